//! Planning: match each catalog entry to its live object, merge what the
//! catalog owns into what the account holds, diff, and order the actions
//! into a graph. A pure function of (catalog, live snapshot): no I/O.

pub mod action;
mod diff;
mod graph;
pub mod identity;
pub mod normal_form;
mod prune;
mod renames;
pub mod saved;

pub use action::{Action, Change, Kind, Note, Op, Summary};
pub use diff::{SHA256_FIELD, short as short_hash};

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::catalog::model::Catalog;
use crate::diag::{Code, Diagnostic, Diagnostics, Location};
use crate::remote::LiveSnapshot;

/// A plan: actions in an order that respects every dependency.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub actions: Vec<Action>,
    pub summary: Summary,
    /// What a reviewer should know that is not an action: files whose
    /// live bytes cannot be verified.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

impl Plan {
    /// The summary counted from the actions as they are (a renderer's
    /// view), with the plan's delete limit.
    #[must_use]
    pub fn counted(&self) -> Summary {
        Summary {
            max_deletes: self.summary.max_deletes,
            ..Summary::of(&self.actions)
        }
    }

    #[must_use]
    pub fn new(actions: Vec<Action>) -> Self {
        let summary = Summary::of(&actions);
        Self {
            actions,
            summary,
            notes: Vec::new(),
        }
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// Whether any action deletes (CI may ask for a second approval).
    #[must_use]
    pub fn deletes(&self) -> bool {
        self.actions.iter().any(|a| a.op.removes())
    }
}

/// What to plan.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// `--target`: only these entries (`KEY` or `KIND.KEY`, kind as in the
    /// catalog: `collections.rain-jacket`) and what they depend on.
    pub targets: Vec<String>,
    /// SHA-256 of the catalog's assets by path (`catalog::hashes`), the
    /// content gate: an asset whose hash equals the one recorded on its
    /// live file is not uploaded. Without one, an asset is compared by size.
    pub hashes: BTreeMap<String, String>,
    /// `--force-upload`: upload every asset, changed or not.
    pub force_upload: bool,
}

/// A protected entry's object must never be deleted. The one way a plan
/// could: the entry no longer matches its live object (renamed in the
/// UI, or in the catalog without `renamed_from`), so it is created anew
/// while a prune deletes the old one, which the rename hints name.
fn protected(
    catalog: &Catalog,
    renames: &[renames::Rename],
    deletions: &[diff::Draft],
    diagnostics: &mut Diagnostics,
) {
    for r in renames {
        let kind = r.note.kind;
        let Some((true, at)) = catalog.protection(kind, &r.note.key) else {
            continue;
        };
        let deleted = deletions
            .iter()
            .any(|d| d.action.kind == kind && d.action.id.as_deref() == Some(r.live_id.as_str()));
        if deleted {
            diagnostics.push(
                Diagnostic::error(
                    Code::Protected,
                    at,
                    format!(
                        "{} `{}` is protected, but the plan would create it anew and delete live {} {} \"{}\", which looks like it: its identity no longer matches",
                        kind.noun(),
                        r.note.key,
                        kind.noun(),
                        r.live_id,
                        crate::diag::printable(&r.live_name)
                    ),
                )
                .with_hint(format!(
                    "if it was renamed, add `renamed_from: {}` (or pin it with `id:`); nothing is deleted while this stands",
                    crate::diag::printable(&r.live_name)
                )),
            );
        }
    }
}

/// The live files whose attribute values planning needs but the list
/// left out (see [`diff::values_needed`]); read them
/// (`remote::file_values`) before planning.
#[must_use]
pub fn file_values_needed(
    catalog: &Catalog,
    live: &LiveSnapshot,
    options: &PlanOptions,
) -> Vec<String> {
    let mut ignored = Diagnostics::default();
    let mut matches = identity::Matches::default();
    identity::match_files(catalog, live, &mut matches, &mut ignored);
    diff::values_needed(catalog, live, &matches, options)
}

/// Plans the changes that make `live` match `catalog`. User-facing
/// problems (ambiguous or vanished matches, missing regions, a target
/// that names nothing) come back as diagnostics at the entry.
pub fn plan(
    catalog: &Catalog,
    live: &LiveSnapshot,
    options: &PlanOptions,
) -> Result<Plan, Diagnostics> {
    plan_matched(catalog, live, options).map(|(plan, _)| plan)
}

/// [`plan`], with the matches it was made from (a saved plan records
/// which entry each matched live object is).
pub fn plan_matched<'a>(
    catalog: &'a Catalog,
    live: &'a LiveSnapshot,
    options: &PlanOptions,
) -> Result<(Plan, identity::Matches<'a>), Diagnostics> {
    let mut diagnostics = Diagnostics::default();
    let matches = identity::match_all(catalog, live, &mut diagnostics);
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    let mut differ = diff::Differ {
        catalog,
        live,
        matches: &matches,
        options,
        drafts: Vec::new(),
        notes: Vec::new(),
        errors: Vec::new(),
        reused: std::collections::BTreeSet::new(),
    };
    differ.attributes();
    differ.attribute_groups();
    differ.categories();
    differ.collections();
    differ.files();
    differ.resources();
    if !differ.errors.is_empty() {
        diagnostics.extend(differ.errors);
        return Err(diagnostics);
    }
    let mut drafts = differ.drafts;
    let mut notes = differ.notes;
    let renames = renames::hints(catalog, live, &matches, drafts.iter().map(|d| &d.action));
    let deletions = prune::deletions(catalog, live, &matches);
    protected(catalog, &renames, &deletions, &mut diagnostics);
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    notes.extend(renames.into_iter().map(|r| r.note));
    drafts.extend(deletions);
    let actions = match graph::order(drafts, live) {
        Ok(actions) => actions,
        Err(path) => {
            diagnostics.push(
                Diagnostic::error(
                    Code::Cycle,
                    Location::file(Arc::from(catalog.root.as_path())),
                    format!(
                        "the plan's actions depend on each other in a cycle: {}",
                        path.join(" → ")
                    ),
                )
                .with_hint(
                    "break the cycle in the catalog: one of these entries must not need the other",
                ),
            );
            return Err(diagnostics);
        }
    };
    if options.targets.is_empty() {
        let plan = Plan {
            notes,
            ..Plan::new(actions)
        };
        return Ok((plan, matches));
    }
    let notes = notes
        .into_iter()
        .filter(|n| options.targets.iter().any(|t| hits(n.kind, &n.key, t)))
        .collect();
    let plan = targeted(catalog, actions, &options.targets).map(|actions| Plan {
        notes,
        ..Plan::new(actions)
    })?;
    Ok((plan, matches))
}

/// What a `--target` names: a kind and a key (`collection.rain-jacket`
/// as plans print addresses, or `collections.rain-jacket` as the catalog
/// names its sections), or a bare key of any kind.
fn parse_target(t: &str) -> (Option<Kind>, &str) {
    if let Some((prefix, key)) = t.split_once('.')
        && let Some(kind) = Kind::ALL
            .into_iter()
            .find(|k| k.ident() == prefix || k.map() == prefix)
    {
        return (Some(kind), key);
    }
    (None, t)
}

/// Whether `--target t` names the entry (or pruned object) `kind.key`.
fn hits(kind: Kind, key: &str, t: &str) -> bool {
    match parse_target(t) {
        (Some(k), wanted) => k == kind && wanted == key,
        (None, wanted) => wanted == key,
    }
}

/// Keeps the targeted actions and everything they depend on.
fn targeted(
    catalog: &Catalog,
    actions: Vec<Action>,
    targets: &[String],
) -> Result<Vec<Action>, Diagnostics> {
    let mut diagnostics = Diagnostics::default();
    let mut keep = vec![false; actions.len()];
    for t in targets {
        let named = actions
            .iter()
            .enumerate()
            .filter(|(_, a)| hits(a.kind, &a.key, t))
            .map(|(i, _)| i)
            .collect::<Vec<_>>();
        if named.is_empty() && !catalog_has(catalog, t) {
            let addresses = addresses(catalog, &actions);
            let hint = crate::catalog::suggest::did_you_mean(t, addresses.iter().map(String::as_str))
                .unwrap_or_else(|| {
                    "give an address as the plan prints it (`collection.rain-jacket`), a section and key (`collections.rain-jacket`) or a bare key".to_owned()
                });
            diagnostics.push(
                Diagnostic::error(
                    Code::UnknownReference,
                    Location::file(Arc::from(catalog.root.as_path())),
                    format!(
                        "`--target {t}` names no entry of the catalog and no action of the plan"
                    ),
                )
                .with_hint(hint),
            );
        }
        let mut stack = named;
        while let Some(i) = stack.pop() {
            if !keep[i] {
                keep[i] = true;
                stack.extend(actions[i].depends_on.iter().copied());
            }
        }
    }
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    let mut new_index = vec![usize::MAX; actions.len()];
    let mut out = Vec::new();
    for (i, mut a) in actions.into_iter().enumerate() {
        if keep[i] {
            new_index[i] = out.len();
            a.depends_on = a
                .depends_on
                .iter()
                .map(|d| new_index[*d])
                .filter(|d| *d != usize::MAX)
                .collect();
            out.push(a);
        }
    }
    Ok(out)
}

/// Whether the catalog has the entry `target` names (of that kind, when
/// it names one).
fn catalog_has(catalog: &Catalog, target: &str) -> bool {
    let (kind, key) = parse_target(target);
    kind.map_or(Kind::ALL.to_vec(), |k| vec![k])
        .into_iter()
        .any(|k| catalog.keys(k).any(|entry| entry == key))
}

/// Every address a target may name: each entry and each planned action,
/// as the plan prints them.
fn addresses(catalog: &Catalog, actions: &[Action]) -> Vec<String> {
    let mut out: Vec<String> = Kind::ALL
        .into_iter()
        .flat_map(|k| {
            catalog
                .keys(k)
                .map(move |key| format!("{}.{key}", k.ident()))
        })
        .chain(
            actions
                .iter()
                .map(|a| format!("{}.{}", a.kind.ident(), a.key)),
        )
        .collect();
    out.sort();
    out.dedup();
    out
}
