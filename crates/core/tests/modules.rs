//! The crate's modules form no cycle: a module never imports (`crate::…`) one that imports it
//! back, directly or through others. The order they follow is written in the crate root's doc.

#![allow(
    clippy::unwrap_used,
    reason = "a test reading its own sources fails loudly on purpose"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Each top-level module and the top-level modules its code (tests left out) names.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files = vec![src.clone()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let relative = path.strip_prefix(&src).unwrap();
        if relative == Path::new("lib.rs") || path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let first = relative.components().next().unwrap().as_os_str();
        let module = first.to_str().unwrap().trim_end_matches(".rs").to_owned();
        let text = fs::read_to_string(&path).unwrap();
        // Tests may reach anywhere; only the code proper must keep the order.
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
        let named = graph.entry(module.clone()).or_default();
        for (i, _) in code.match_indices("crate::") {
            let name: String = code[i + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() && name != module {
                named.insert(name);
            }
        }
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for named in graph.values_mut() {
        named.retain(|m| modules.contains(m));
    }
    graph
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let graph = imports();
    assert!(graph.contains_key("query") && graph.contains_key("followup"));
    for start in graph.keys() {
        // Every module reachable from `start`; reaching `start` itself is a cycle.
        let mut seen = BTreeMap::new();
        let mut frontier = vec![start.clone()];
        while let Some(module) = frontier.pop() {
            for next in &graph[&module] {
                if !seen.contains_key(next) {
                    seen.insert(next.clone(), module.clone());
                    frontier.push(next.clone());
                }
            }
        }
        if seen.contains_key(start) {
            let mut path = vec![start.clone()];
            let mut at = seen[start].clone();
            while at != *start && path.len() <= graph.len() {
                path.push(at.clone());
                at = seen[&at].clone();
            }
            path.push(start.clone());
            path.reverse();
            panic!("module cycle: {}", path.join(" → "));
        }
    }
}
