//! Which exported entries keep an `id:` pin. Ids belong to one account,
//! so an entry is written with its natural identity alone wherever that
//! finds exactly its object; only an object whose identity another live
//! object of its kind shares is pinned, for the environment it was read
//! from, with a `# pxmctl:` note saying why. In any other environment the
//! entry is then matched by its natural identity, and a clash there is an
//! `ambiguous-match` that names the pin to add.

use std::collections::{BTreeMap, HashSet};

use super::convert::Converted;
use crate::api::Kind;
use crate::catalog::format::{Key, Pin, Pinned};
use crate::plan::identity;
use crate::remote::LiveSnapshot;

/// Drops every pin that the account does not need, and moves the others
/// under `environment`; keeps `others` (other environments' pins of the
/// catalog being replaced) on the entry of the same section and key.
pub(super) fn keep_needed(
    c: &mut Converted,
    live: &LiveSnapshot,
    environment: Option<&str>,
    others: &BTreeMap<(String, String), BTreeMap<String, String>>,
) {
    let shared = identity::shared_identities(live);
    let mut notes = Vec::new();
    let mut pass = |kind: Kind, entries: &mut dyn Iterator<Item = (&Key, &mut dyn Pinned)>| {
        let section = kind.map();
        let shared = shared.get(&kind);
        for (key, entry) in entries {
            let pin = entry.pin_mut();
            let Some(Pin::Everywhere(id)) = pin.take() else {
                continue;
            };
            let mut kept: BTreeMap<String, String> = others
                .get(&(section.to_owned(), key.clone()))
                .into_iter()
                .flatten()
                .filter(|(env, _)| Some(env.as_str()) != environment)
                .map(|(env, id)| (env.clone(), id.clone()))
                .collect();
            if shared.is_some_and(|ids: &HashSet<String>| ids.contains(&id)) {
                let whose = environment.map_or_else(
                    || "this account".to_owned(),
                    |env| format!("environment `{env}`"),
                );
                notes.push((
                    section,
                    key.clone(),
                    format!(
                        "pinned: another live {} in {whose} has the same {}, so only the id tells them apart",
                        kind.noun(),
                        describe(kind)
                    ),
                ));
                match environment {
                    Some(env) => {
                        kept.insert(env.to_owned(), id);
                    }
                    None => *pin = Some(Pin::Everywhere(id)),
                }
            }
            if !kept.is_empty() && pin.is_none() {
                *pin = Some(Pin::PerEnvironment(kept));
            }
        }
    };
    pass(Kind::Region, &mut dyn_entries(&mut c.regions));
    pass(Kind::Attribute, &mut dyn_entries(&mut c.attributes));
    pass(
        Kind::AttributeGroup,
        &mut dyn_entries(&mut c.attribute_groups),
    );
    pass(Kind::Category, &mut dyn_entries(&mut c.categories));
    pass(Kind::Collection, &mut dyn_entries(&mut c.collections));
    pass(Kind::File, &mut dyn_entries(&mut c.files));
    pass(Kind::Resource, &mut dyn_entries(&mut c.resources));
    c.pin_notes = notes;
}

fn dyn_entries<T: Pinned>(
    entries: &mut BTreeMap<Key, T>,
) -> impl Iterator<Item = (&Key, &mut dyn Pinned)> {
    entries.iter_mut().map(|(k, v)| (k, v as &mut dyn Pinned))
}

/// What a kind's natural identity is made of, for the note.
fn describe(kind: Kind) -> &'static str {
    match kind {
        Kind::Category => "name and parent",
        Kind::Collection => "sku, or name and place",
        Kind::File => "file name",
        Kind::Resource => "link and owner",
        Kind::Region | Kind::Attribute | Kind::AttributeGroup => "name",
    }
}
