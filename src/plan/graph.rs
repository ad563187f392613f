//! Ordering: a petgraph graph over the actions with an edge from each
//! action to every action that must wait for it: the creation of what it
//! references, a file's bytes before its links, every non-deletion before
//! any deletion (nothing may still point at a deleted object), and a
//! child's or variant's deletion before its parent's. The order is a
//! topological sort that always picks the smallest ready action by
//! (phase, kind, key), so plans are stable. Cycles are reported with
//! their path.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use petgraph::graph::{DiGraph, NodeIndex};

use super::action::{Action, Kind, Op};
use super::diff::Draft;
use crate::remote::LiveSnapshot;

/// Ready actions go in this order: non-deletions first, then by kind and key.
type Rank = (bool, Kind, String, Op);

/// Actions in execution order with `depends_on` filled in, or the keys
/// along a dependency cycle.
pub(super) fn order(drafts: Vec<Draft>, live: &LiveSnapshot) -> Result<Vec<Action>, Vec<String>> {
    let mut graph: DiGraph<usize, ()> = DiGraph::with_capacity(drafts.len(), drafts.len() * 2);
    let nodes: Vec<NodeIndex> = (0..drafts.len()).map(|i| graph.add_node(i)).collect();

    // What "the creation of (kind, key)" means: its create or upload.
    let mut creates: HashMap<(Kind, &str), usize> = HashMap::new();
    for (i, d) in drafts.iter().enumerate() {
        if matches!(d.action.op, Op::Create | Op::Upload) {
            creates
                .entry((d.action.kind, d.action.key.as_str()))
                .or_insert(i);
        }
    }
    for (i, d) in drafts.iter().enumerate() {
        for (kind, key) in &d.needs {
            if let Some(&j) = creates.get(&(*kind, key.as_str()))
                && j != i
            {
                graph.update_edge(nodes[j], nodes[i], ());
            }
        }
    }
    delete_edges(&drafts, live, &mut graph, &nodes);

    let rank = |i: usize| {
        let a = &drafts[i].action;
        (a.op.removes(), a.kind, a.key.clone(), a.op)
    };
    let mut waiting: Vec<usize> = nodes
        .iter()
        .map(|n| {
            graph
                .neighbors_directed(*n, petgraph::Direction::Incoming)
                .count()
        })
        .collect();
    let mut ready: BinaryHeap<Reverse<(Rank, usize)>> = waiting
        .iter()
        .enumerate()
        .filter(|(_, w)| **w == 0)
        .map(|(i, _)| Reverse((rank(i), i)))
        .collect();
    let mut sequence = Vec::with_capacity(drafts.len());
    while let Some(Reverse((_, i))) = ready.pop() {
        sequence.push(i);
        for next in graph.neighbors_directed(nodes[i], petgraph::Direction::Outgoing) {
            let j = graph[next];
            waiting[j] -= 1;
            if waiting[j] == 0 {
                ready.push(Reverse((rank(j), j)));
            }
        }
    }
    if sequence.len() < drafts.len() {
        return Err(cycle(&graph, &drafts));
    }

    let mut position = vec![0; drafts.len()];
    for (at, &i) in sequence.iter().enumerate() {
        position[i] = at;
    }
    let mut slots: Vec<Option<Draft>> = drafts.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(slots.len());
    for &i in &sequence {
        let Some(draft) = slots[i].take() else {
            continue;
        };
        let mut action = draft.action;
        let mut deps: Vec<usize> = graph
            .neighbors_directed(nodes[i], petgraph::Direction::Incoming)
            .map(|n| position[graph[n]])
            .collect();
        deps.sort_unstable();
        action.depends_on = deps;
        out.push(action);
    }
    Ok(out)
}

/// Deletions wait for every other action, and children for parents.
fn delete_edges(
    drafts: &[Draft],
    live: &LiveSnapshot,
    graph: &mut DiGraph<usize, ()>,
    nodes: &[NodeIndex],
) {
    let deletes: Vec<usize> = (0..drafts.len())
        .filter(|i| drafts[*i].action.op.removes())
        .collect();
    if deletes.is_empty() {
        return;
    }
    // One barrier edge per deletion from each non-deletion would be
    // n × m edges; the last non-deletions in any chain suffice, but the
    // simple bound is fine: deletions are few.
    for &d in &deletes {
        for (i, other) in drafts.iter().enumerate() {
            if !other.action.op.removes() {
                graph.update_edge(nodes[i], nodes[d], ());
            }
        }
    }
    let by_id: HashMap<(Kind, &str), usize> = deletes
        .iter()
        .filter_map(|&i| {
            drafts[i]
                .action
                .id
                .as_deref()
                .map(|id| ((drafts[i].action.kind, id), i))
        })
        .collect();
    // Parent of each live category and variant, looked up once.
    let parents: HashMap<(Kind, &str), &str> = live
        .categories
        .iter()
        .filter_map(|c| Some(((Kind::Category, c.id.as_str()), c.parent_id.as_deref()?)))
        .chain(live.collections.iter().filter_map(|c| {
            Some((
                (Kind::Collection, c.id.as_str()),
                c.parent_topic_id.as_deref()?,
            ))
        }))
        .collect();
    for &child in &deletes {
        let a = &drafts[child].action;
        let Some(id) = a.id.as_deref() else { continue };
        if let Some(&parent) = parents.get(&(a.kind, id))
            && let Some(&p) = by_id.get(&(a.kind, parent))
        {
            graph.update_edge(nodes[child], nodes[p], ());
        }
    }
}

/// The keys along one cycle, for the error.
fn cycle(graph: &DiGraph<usize, ()>, drafts: &[Draft]) -> Vec<String> {
    let name = |n: NodeIndex| {
        let a = &drafts[graph[n]].action;
        format!("{}.{} ({:?})", a.kind.map(), a.key, a.op).to_lowercase()
    };
    petgraph::algo::tarjan_scc(graph)
        .into_iter()
        .find(|scc| scc.len() > 1)
        .map(|scc| scc.into_iter().map(name).collect())
        .unwrap_or_default()
}
