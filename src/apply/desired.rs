//! What the catalog wants of one live object, in the API's field names
//! with keys resolved to live ids: exactly the fields the YAML names, so
//! apply never writes a field the catalog leaves alone.

use jiff::Timestamp;

use super::ids::Ids;
use crate::api::fields::{
    self, attribute, attribute_group, category, collection, common, file, resource,
};
use crate::catalog::model::{
    AttributeKind, AttributeValue, Catalog, Family, Publishing, ResourceOwner,
};
use crate::plan::normal_form::kind_name;
use crate::plan::{Kind, Op};

/// The value one field should have.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Want {
    /// Text, or `null`.
    Text(Option<String>),
    Flag(bool),
    /// A reference, or `null`.
    Id(Option<String>),
    Date(Option<Timestamp>),
    /// Texts in order (pick-list options: their order is the display order).
    Ordered(Vec<String>),
    /// An attribute type name, compared loosely (`pick_list`).
    TypeName(&'static str),
    /// A wholesale array merged by ownership: live items that no entry of
    /// `kind` manages stay, the managed ones become `desired`. `objects`
    /// when the API wants `[{ "id": ... }]`; `ordered` when the order is
    /// data (a group's members are its display order), else a set.
    Merged {
        kind: Kind,
        desired: Vec<String>,
        objects: bool,
        ordered: bool,
    },
    /// An id list set exactly (a resource's collections are its identity).
    Exact(Vec<String>),
    /// The values of the attributes the YAML names; others are kept.
    Values(Vec<(String, AttributeKind, AttributeValue)>),
}

impl Want {
    /// Whether sending this needs the live value: a wholesale array
    /// merged by ownership, or the `attributes` op array (which replaces
    /// every value).
    #[must_use]
    pub(super) fn needs_fresh(&self) -> bool {
        matches!(self, Want::Merged { .. } | Want::Values(_))
    }

    /// Whether this clears the field (`null`).
    #[must_use]
    pub(super) fn clears(&self) -> bool {
        matches!(self, Want::Text(None) | Want::Id(None) | Want::Date(None))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Field {
    pub name: &'static str,
    pub want: Want,
}

/// A reference to an entry that has no live id (its create failed or
/// was skipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Unresolved {
    pub kind: Kind,
    pub key: String,
}

impl std::fmt::Display for Unresolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} `{}` has no live id (it was not created)",
            self.kind.noun(),
            self.key
        )
    }
}

struct Resolver<'a> {
    ids: &'a Ids,
}

impl Resolver<'_> {
    fn id(&self, kind: Kind, key: &str) -> Result<String, Unresolved> {
        self.ids.get(kind, key).ok_or_else(|| Unresolved {
            kind,
            key: key.to_owned(),
        })
    }

    /// `region_ids`, merged: regions the catalog does not declare stay.
    fn regions<'k>(&self, keys: impl IntoIterator<Item = &'k String>) -> Result<Field, Unresolved> {
        Ok(merged(
            common::REGIONS,
            Kind::Region,
            self.all(Kind::Region, keys)?,
        ))
    }

    fn all<'k>(
        &self,
        kind: Kind,
        keys: impl IntoIterator<Item = &'k String>,
    ) -> Result<Vec<String>, Unresolved> {
        keys.into_iter().map(|k| self.id(kind, k)).collect()
    }
}

fn field(spec: fields::Field, want: Want) -> Field {
    Field {
        name: spec.wire,
        want,
    }
}

/// A wholesale array of `spec` merged by ownership, as its merge rule and
/// codec say (ordered or a set, ids or `{"id"}` objects).
fn merged(spec: fields::Field, kind: Kind, desired: Vec<String>) -> Field {
    field(
        spec,
        Want::Merged {
            kind,
            desired,
            objects: spec.codec == fields::Codec::IdObjects,
            ordered: spec.merge == fields::Merge::OwnedOrdered,
        },
    )
}

fn publishing(fields: &mut Vec<Field>, p: &Publishing) {
    match p {
        Publishing::Unpublished => fields.push(field(common::PUBLISHED, Want::Flag(false))),
        Publishing::Window { start, end } => {
            fields.push(field(common::PUBLISHED, Want::Flag(true)));
            fields.push(field(common::PUBLISHED_START, Want::Date(Some(*start))));
            fields.push(field(common::PUBLISHED_END, Want::Date(*end)));
        }
    }
}

/// The fields action `op` on entry `key` of `kind` owns. A file's
/// `Link` owns its collections; its `Update` and `Upload` the rest.
pub(super) fn fields(
    catalog: &Catalog,
    ids: &Ids,
    kind: Kind,
    op: Op,
    key: &str,
) -> Result<Vec<Field>, Unresolved> {
    let r = Resolver { ids };
    let missing = || Unresolved {
        kind,
        key: key.to_owned(),
    };
    let mut out = Vec::new();
    match kind {
        Kind::Region => {}
        Kind::Attribute => {
            let a = &catalog.attributes.get(key).ok_or_else(missing)?.value;
            out.push(field(common::NAME, Want::Text(Some(a.name.clone()))));
            out.push(field(attribute::TYPE, Want::TypeName(kind_name(&a.kind))));
            if let AttributeKind::PickList { options } = &a.kind {
                out.push(field(attribute::OPTIONS, Want::Ordered(options.clone())));
            }
            if let Some(d) = &a.description {
                out.push(field(attribute::DESCRIPTION, Want::Text(Some(d.clone()))));
            }
        }
        Kind::AttributeGroup => {
            let g = &catalog.attribute_groups.get(key).ok_or_else(missing)?.value;
            out.push(field(common::NAME, Want::Text(Some(g.name.clone()))));
            if let Some(members) = &g.attributes {
                out.push(merged(
                    attribute_group::MEMBERS,
                    Kind::Attribute,
                    r.all(Kind::Attribute, members)?,
                ));
            }
        }
        Kind::Category => {
            let c = &catalog.categories.get(key).ok_or_else(missing)?.value;
            out.push(field(common::NAME, Want::Text(Some(c.name.clone()))));
            let parent = match &c.parent {
                Some(p) => Some(r.id(Kind::Category, p)?),
                None => None,
            };
            out.push(field(category::PARENT, Want::Id(parent)));
        }
        Kind::Collection => collection(catalog, &r, key, &mut out).ok_or_else(missing)??,
        Kind::File => {
            let f = &catalog.files.get(key).ok_or_else(missing)?.value;
            if op == Op::Link {
                if let Some(collections) = &f.collections {
                    out.push(merged(
                        file::COLLECTIONS,
                        Kind::Collection,
                        r.all(Kind::Collection, collections)?,
                    ));
                }
            } else {
                if op != Op::Upload {
                    out.push(field(file::NAME, Want::Text(Some(f.name.clone()))));
                }
                if let Some(p) = &f.published {
                    publishing(&mut out, p);
                }
                if let Some(regions) = &f.regions {
                    out.push(r.regions(regions)?);
                }
            }
        }
        Kind::Resource => {
            let res = &catalog.resources.get(key).ok_or_else(missing)?.value;
            out.push(field(
                resource::DESCRIPTION,
                Want::Text(Some(res.description.clone())),
            ));
            out.push(field(resource::LINK, Want::Text(Some(res.link.clone()))));
            match &res.owner {
                ResourceOwner::Account => {}
                ResourceOwner::Category(k) => {
                    out.push(field(
                        resource::CATEGORY,
                        Want::Id(Some(r.id(Kind::Category, k)?)),
                    ));
                }
                ResourceOwner::Collections(keys) => {
                    out.push(field(
                        resource::COLLECTIONS,
                        Want::Exact(r.all(Kind::Collection, keys)?),
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// `None` when the entry is not in the catalog.
fn collection(
    catalog: &Catalog,
    r: &Resolver<'_>,
    key: &str,
    out: &mut Vec<Field>,
) -> Option<Result<(), Unresolved>> {
    let c = &catalog.collections.get(key)?.value;
    Some((|| {
        out.push(field(common::NAME, Want::Text(Some(c.name.clone()))));
        let (family, parent) = match &c.family {
            Family::Standalone => (None, None),
            Family::Parent => (Some("parent"), None),
            Family::Variant { parent } => (Some("variant"), Some(r.id(Kind::Collection, parent)?)),
        };
        out.push(field(
            collection::TYPE,
            Want::Text(family.map(str::to_owned)),
        ));
        out.push(field(collection::PARENT, Want::Id(parent)));
        if let Some(category) = &c.category {
            out.push(field(
                collection::CATEGORY,
                Want::Id(Some(r.id(Kind::Category, category)?)),
            ));
        }
        if let Some(also_in) = &c.also_in {
            out.push(merged(
                collection::ALSO_IN,
                Kind::Category,
                r.all(Kind::Category, also_in)?,
            ));
        }
        if let Some(sku) = &c.sku {
            out.push(field(collection::SKU, Want::Text(Some(sku.clone()))));
        }
        if let Some(p) = &c.published {
            publishing(out, p);
        }
        if let Some(regions) = &c.regions {
            out.push(r.regions(regions)?);
        }
        if let Some(values) = &c.attributes {
            let mut managed = Vec::with_capacity(values.len());
            for (attr_key, value) in values {
                let attribute = catalog
                    .attributes
                    .get(attr_key)
                    .map(|e| e.value.kind.clone())
                    .ok_or_else(|| Unresolved {
                        kind: Kind::Attribute,
                        key: attr_key.clone(),
                    })?;
                managed.push((r.id(Kind::Attribute, attr_key)?, attribute, value.clone()));
            }
            out.push(field(collection::ATTRIBUTES, Want::Values(managed)));
        }
        Ok(())
    })())
}

impl std::error::Error for Unresolved {}
