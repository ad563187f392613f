//! Nesting that loops: a category inside itself (directly or through
//! others), a variant whose parent chain returns to it. Found with
//! petgraph's strongly connected components and reported with the path.

use std::collections::BTreeMap;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use super::Checker;
use crate::catalog::parse::{RawEntry, kind_noun};
use crate::diag::{Code, Diagnostic};

impl Checker<'_> {
    pub(super) fn cycles(&mut self) {
        let raw = self.raw;
        let categories: Vec<(&String, Option<&String>, &RawEntry<_>)> = raw
            .categories
            .iter()
            .map(|(k, e)| (k, e.value.as_ref().and_then(|c| c.parent.as_ref()), &**e))
            .collect();
        self.report_cycles("categories", &categories);
        let collections: Vec<(&String, Option<&String>, &RawEntry<_>)> = raw
            .collections
            .iter()
            .map(|(k, e)| (k, e.value.as_ref().and_then(|c| c.parent.as_ref()), &**e))
            .collect();
        self.report_cycles("collections", &collections);
    }

    fn report_cycles<T>(&mut self, kind: &str, edges: &[(&String, Option<&String>, &RawEntry<T>)]) {
        let mut graph = DiGraph::<&str, ()>::new();
        let mut index: BTreeMap<&str, NodeIndex> = BTreeMap::new();
        for (key, _, _) in edges {
            index.insert(key.as_str(), graph.add_node(key.as_str()));
        }
        for (key, parent, _) in edges {
            if let (Some(parent), Some(&from)) = (parent, index.get(key.as_str()))
                && let Some(&to) = index.get(parent.as_str())
            {
                graph.add_edge(from, to, ());
            }
        }
        let entries: BTreeMap<&str, &RawEntry<T>> =
            edges.iter().map(|(k, _, e)| (k.as_str(), *e)).collect();
        for component in tarjan_scc(&graph) {
            let looped = component.len() > 1
                || component
                    .first()
                    .is_some_and(|&n| graph.contains_edge(n, n));
            if !looped {
                continue;
            }
            // Walk the loop from its smallest key, so the message is stable.
            let Some(start) = component.iter().map(|&n| graph[n]).min() else {
                continue;
            };
            let mut path = vec![start];
            let mut here = index[start];
            while let Some(next) = graph.neighbors(here).next() {
                path.push(graph[next]);
                if graph[next] == start || path.len() > component.len() + 1 {
                    break;
                }
                here = next;
            }
            let shown = path
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(" → ");
            let Some(first) = entries.get(start) else {
                continue;
            };
            let mut d = Diagnostic::error(
                Code::Cycle,
                first.source.at(&["parent"]),
                format!("{} nesting loops: {shown}", kind_noun(kind)),
            )
            .with_hint(
                "a parent chain must end at a top-level entry; remove or change one `parent:`",
            );
            for key in path.iter().skip(1).take(path.len().saturating_sub(2)) {
                if let Some(e) = entries.get(key) {
                    d = d.with_label(
                        e.source.at(&["parent"]),
                        format!("`{key}` continues the loop"),
                    );
                }
            }
            self.push(d);
        }
    }
}
