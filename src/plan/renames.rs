//! A rename the catalog did not declare: an entry about to be created
//! while a live object of its kind, in the same place and with a name
//! close to the entry's, is matched by no entry. Without `renamed_from`
//! the plan creates a second object and leaves the first behind (with
//! its variants moving to the new one, for a family parent), so the plan
//! says so in a note that names both; it does not guess.

use std::collections::HashMap;

use super::action::{Action, Kind, Note, Op};
use super::identity::Matches;
use crate::catalog::model::{Catalog, Family};
use crate::catalog::suggest::closest;
use crate::remote::LiveSnapshot;

/// Where an object sits, for the kinds whose identity is a name in a
/// place: (kind, parent category, family parent).
type Place = (Kind, Option<String>, Option<String>);

/// More unmatched objects than this in one place is an account the
/// catalog does not manage there: no guess is worth making.
const MOST_CANDIDATES: usize = 200;

/// A create that looks like an undeclared rename of a live object.
#[derive(Debug)]
pub(super) struct Rename {
    pub note: Note,
    /// The live object it looks like.
    pub live_id: String,
    pub live_name: String,
}

/// The notes for the creates among `actions`.
pub(super) fn hints<'a, 'l>(
    catalog: &Catalog,
    live: &'l LiveSnapshot,
    matches: &Matches,
    actions: impl Iterator<Item = &'a Action>,
) -> Vec<Rename> {
    let mut places: HashMap<Place, Vec<(&'l str, &'l str)>> = HashMap::new();
    let mut add = |place: Place, id: &'l str, name: &'l str| {
        if matches.owner(place.0, id).is_none() {
            places.entry(place).or_default().push((id, name));
        }
    };
    for l in &live.attributes {
        add((Kind::Attribute, None, None), &l.id, &l.name);
    }
    for l in &live.attribute_groups {
        add((Kind::AttributeGroup, None, None), &l.id, &l.name);
    }
    for l in &live.categories {
        add((Kind::Category, l.parent_id.clone(), None), &l.id, &l.name);
    }
    for l in &live.collections {
        let place = (
            Kind::Collection,
            l.parent_id.clone(),
            l.parent_topic_id.clone(),
        );
        add(place, &l.id, &l.name);
    }
    let id_of = |kind: Kind, key: Option<&String>| {
        key.and_then(|k| matches.id(live, kind, k))
            .map(str::to_owned)
    };
    let mut out = Vec::new();
    for a in actions.filter(|a| a.op == Op::Create) {
        let (name, place) = match a.kind {
            Kind::Attribute => match catalog.attributes.get(&a.key) {
                Some(e) => (&e.value.name, (Kind::Attribute, None, None)),
                None => continue,
            },
            Kind::AttributeGroup => match catalog.attribute_groups.get(&a.key) {
                Some(e) => (&e.value.name, (Kind::AttributeGroup, None, None)),
                None => continue,
            },
            Kind::Category => match catalog.categories.get(&a.key) {
                Some(e) => (
                    &e.value.name,
                    (
                        Kind::Category,
                        id_of(Kind::Category, e.value.parent.as_ref()),
                        None,
                    ),
                ),
                None => continue,
            },
            Kind::Collection => match catalog.collections.get(&a.key) {
                Some(e) => {
                    let c = &e.value;
                    let family = match &c.family {
                        Family::Variant { parent } => id_of(Kind::Collection, Some(parent)),
                        _ => None,
                    };
                    let category = id_of(Kind::Category, c.category.as_ref());
                    (&c.name, (Kind::Collection, category, family))
                }
                None => continue,
            },
            Kind::Region | Kind::File | Kind::Resource => continue,
        };
        let Some(candidates) = places.get(&place).filter(|c| c.len() <= MOST_CANDIDATES) else {
            continue;
        };
        let Some(old) = closest(name, candidates.iter().map(|(_, n)| *n)) else {
            continue;
        };
        let Some((id, _)) = candidates.iter().find(|(_, n)| *n == old) else {
            continue;
        };
        out.push(Rename {
            note: Note {
                kind: a.kind,
                key: a.key.clone(),
                title: name.clone(),
                message: format!(
                    "created as new, while live {} {id} \"{old}\" in the same place is matched by no entry; if this is a rename, add `renamed_from: {old}` to keep that object (and what hangs from it) instead of making a second one",
                    a.kind.noun()
                ),
            },
            live_id: (*id).to_owned(),
            live_name: old.to_owned(),
        });
    }
    out
}
