//! The top-level modules form layers: no module may reach, through
//! `crate::` paths, a module that reaches it back. A new cycle fails here.
#![allow(clippy::unwrap_used)]

use crate::support::files::repo;

use std::collections::{BTreeMap, BTreeSet};

/// Top-level module → the top-level modules its files name.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = repo("src");
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap();
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        let targets = edges.entry(module.clone()).or_default();
        for (i, _) in text.match_indices("crate::") {
            let name: String = text[i + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() && name != module {
                targets.insert(name);
            }
        }
    }
    edges
}

/// The strongly connected components with more than one module.
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<BTreeSet<String>> {
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_owned()];
        while let Some(m) = todo.pop() {
            for next in edges.get(&m).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        edges.keys().map(|m| (m, reach(m))).collect();
    edges
        .keys()
        .map(|m| {
            let mut component: BTreeSet<String> = reaches[m]
                .iter()
                .filter(|other| reaches.get(other).is_some_and(|r| r.contains(m)))
                .cloned()
                .collect();
            component.insert(m.clone());
            component
        })
        .filter(|c| c.len() > 1)
        .collect()
}

#[test]
fn no_module_cycle() {
    let edges = graph();
    // The graph is real: the layers it should see are there.
    for (from, to) in [
        ("config", "remote"),
        ("config", "catalog"),
        ("plan", "catalog"),
    ] {
        assert!(edges[from].contains(to), "{from} -> {to} not found");
    }
    let found = cycles(&edges);
    assert!(found.is_empty(), "module cycles: {found:?}");
}
