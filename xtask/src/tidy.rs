//! Invariants of the repository that no compiler checks, as tests: `cargo test -p xtask tidy`
//! (run by `cargo xtask ci`, and by `cargo xtask test` with every other test).
//!
//! Each test reads files and fails with a message that says what to do:
//! - crates depend on each other one way only (the domain on nothing of ours, the core on the
//!   domain, the server on the domain, nothing on the app, no product crate on a test crate);
//! - the top-level modules of `townhall-core` and `townhall-server` form no cycle;
//! - `docs/IPC.md` lists exactly the commands the app registers;
//! - a shipped migration never changes (their SHA-256 are pinned in `migrations.sha256`);
//! - every copy of the app's Content-Security-Policy is the one in `src-tauri/tauri.conf.json`.
//!
//! The files are parsed with a few lines of string handling, not a Rust or TOML parser: they
//! are ours, in one style, and a test that fails on a layout it does not understand says so.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The workspace root (xtask lives one level below it).
fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

// Crate dependencies.

/// The packages the crates in `product` are made of: none of them may depend, in
/// `[dependencies]` or `[build-dependencies]`, on a test or tool crate.
const PRODUCT: &[&str] = &[
    "townhall-domain",
    "townhall-core",
    "townhall-server",
    "townhall-app",
];

/// Test, fixture and tool crates: the product never depends on them.
const TOOLING: &[&str] = &[
    "townhall-bench",
    "townhall-testkit",
    "townhall-tests",
    "xtask",
];

/// Which of our crates each product crate may depend on at run time. A product crate missing
/// here fails the test: a new crate says where it stands.
const ALLOWED: &[(&str, &[&str])] = &[
    ("townhall-domain", &[]),
    ("townhall-core", &["townhall-domain"]),
    ("townhall-server", &["townhall-domain"]),
    ("townhall-app", &["townhall-core", "townhall-domain"]),
];

/// One workspace member's manifest, as far as dependencies go.
#[derive(Debug)]
struct Manifest {
    name: String,
    path: PathBuf,
    /// Our crates it depends on, by section (`dependencies`, `dev-dependencies`, …).
    ours: BTreeMap<String, BTreeSet<String>>,
}

/// Every workspace member's manifest, from the root `Cargo.toml`'s `members`.
fn manifests(root: &Path) -> Vec<Manifest> {
    let workspace = read(&root.join("Cargo.toml"));
    let members = workspace
        .lines()
        .find(|line| line.trim_start().starts_with("members"))
        .expect("the root Cargo.toml lists its `members` on one line");
    let names: Vec<String> = members
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    assert!(!names.is_empty(), "no workspace members found in {members}");
    let ours: Vec<String> = names
        .iter()
        .map(|member| package_name(&read(&root.join(member).join("Cargo.toml"))))
        .collect();
    names
        .iter()
        .map(|member| {
            let path = root.join(member).join("Cargo.toml");
            let text = read(&path);
            Manifest {
                name: package_name(&text),
                ours: dependencies(&text, &ours),
                path,
            }
        })
        .collect()
}

fn package_name(manifest: &str) -> String {
    let mut in_package = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package && line.starts_with("name") {
            if let Some(name) = line.split('"').nth(1) {
                return name.to_owned();
            }
        }
    }
    panic!("a manifest without [package] name:\n{manifest}");
}

/// The crates of `ours` that `manifest` names, by section. A section is any table whose name
/// ends in `dependencies` (`[target.'cfg(…)'.dependencies]` counts as `dependencies`).
fn dependencies(manifest: &str, ours: &[String]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut section: Option<String> = None;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            let table = line.trim_matches(|c| c == '[' || c == ']');
            let last = table.rsplit('.').next().unwrap_or(table);
            section = last.ends_with("dependencies").then(|| last.to_owned());
            continue;
        }
        let Some(section) = &section else { continue };
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        // `name = …`, `name.workspace = true`, `"name" = …`.
        let key = line
            .split(['=', '.'])
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        if ours.iter().any(|name| name == key) {
            out.entry(section.clone())
                .or_default()
                .insert(key.to_owned());
        }
    }
    out
}

#[test]
fn crates_depend_one_way() {
    let manifests = manifests(&root());
    let mut wrong = Vec::new();
    for manifest in &manifests {
        let runtime: BTreeSet<&String> = ["dependencies", "build-dependencies"]
            .iter()
            .filter_map(|section| manifest.ours.get(*section))
            .flatten()
            .collect();
        let everything: BTreeSet<&String> = manifest.ours.values().flatten().collect();
        if PRODUCT.contains(&manifest.name.as_str()) {
            let allowed = ALLOWED
                .iter()
                .find(|(name, _)| *name == manifest.name)
                .map(|(_, allowed)| *allowed)
                .unwrap_or_else(|| {
                    panic!("{} is a product crate missing from ALLOWED", manifest.name)
                });
            for dependency in &runtime {
                if TOOLING.contains(&dependency.as_str()) {
                    wrong.push(format!(
                        "{} depends on the test or tool crate {dependency} at run time; use [dev-dependencies] ({})",
                        manifest.name,
                        manifest.path.display()
                    ));
                } else if !allowed.contains(&dependency.as_str()) {
                    wrong.push(format!(
                        "{} depends on {dependency}; it may depend on {allowed:?} only ({})",
                        manifest.name,
                        manifest.path.display()
                    ));
                }
            }
            // The domain is pure: not even its tests use another crate of ours.
            if manifest.name == "townhall-domain" && !everything.is_empty() {
                wrong.push(format!(
                    "townhall-domain depends on {everything:?}; it depends on nothing of ours"
                ));
            }
        }
        if everything.iter().any(|d| d.as_str() == "townhall-app") {
            wrong.push(format!(
                "{} depends on townhall-app; nothing depends on the app",
                manifest.name
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "crates depending the wrong way:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_dependency_reader_sees_sections_and_spellings() {
    let ours = ["townhall-domain", "townhall-bench", "townhall-core"].map(String::from);
    let manifest = r#"
[package]
name = "example"

[dependencies]
townhall-domain.workspace = true
serde = "1"

[target.'cfg(unix)'.dependencies]
"townhall-core" = { path = "../core" }

[dev-dependencies]
townhall-bench = { path = "../bench" }
"#;
    let found = dependencies(manifest, &ours);
    assert_eq!(package_name(manifest), "example");
    assert_eq!(
        found.get("dependencies"),
        Some(&BTreeSet::from([
            "townhall-domain".to_owned(),
            "townhall-core".to_owned()
        ]))
    );
    assert_eq!(
        found.get("dev-dependencies"),
        Some(&BTreeSet::from(["townhall-bench".to_owned()]))
    );
}

// Module cycles.

/// Cycles among a crate's top-level modules that are allowed for now: each entry is a crate
/// and one cycle's modules, sorted. The test fails on any other cycle, and on an entry here
/// that is no longer a cycle, so the list only ever shrinks. It is empty: keep it so.
const KNOWN_CYCLES: &[(&str, &[&str])] = &[];

/// The top-level modules of the crate rooted at `src/<root_file>`, and for each the others
/// it uses (through `crate::…`, `super::…` out of it, or a name the root re-exports), with
/// a file that shows it.
fn module_graph(src: &Path, root_file: &str) -> BTreeMap<String, BTreeMap<String, PathBuf>> {
    let root_text = read(&src.join(root_file));
    let modules = declared_modules(&root_text);
    let reexports = reexports(&root_text, &modules);
    let mut graph: BTreeMap<String, BTreeMap<String, PathBuf>> = modules
        .iter()
        .map(|m| (m.clone(), BTreeMap::new()))
        .collect();
    for file in rust_files(src) {
        let relative = file.strip_prefix(src).unwrap_or(&file);
        let mut path: Vec<String> = relative
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if path.last().is_some_and(|last| last == "mod") {
            path.pop();
        }
        let Some(own) = path.first().cloned().filter(|m| modules.contains(m)) else {
            continue; // The crate root, or a file no `mod` declares (a binary's own).
        };
        for used in used_modules(&read(&file), &path, &modules, &reexports) {
            if used != own {
                graph
                    .entry(own.clone())
                    .or_default()
                    .entry(used)
                    .or_insert_with(|| file.clone());
            }
        }
    }
    graph
}

/// The modules `mod name;` or `pub mod name;` declares in a crate root.
fn declared_modules(root: &str) -> BTreeSet<String> {
    root.lines()
        .map(str::trim)
        .filter_map(|line| {
            let rest = line
                .strip_prefix("pub mod ")
                .or_else(|| line.strip_prefix("pub(crate) mod "))
                .or_else(|| line.strip_prefix("mod "))?;
            rest.strip_suffix(';').map(str::to_owned)
        })
        .collect()
}

/// Names the crate root re-exports from its modules (`pub use module::{A, B};`), so that
/// `crate::A` counts as a use of `module`.
fn reexports(root: &str, modules: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let code = strip_comments(root);
    for statement in code.split(';') {
        let statement = statement.trim();
        let Some(path) = statement.strip_prefix("pub use ") else {
            continue;
        };
        let path = path
            .trim_start_matches("crate::")
            .trim_start_matches("self::");
        let Some((module, rest)) = path.split_once("::") else {
            continue;
        };
        if !modules.contains(module) {
            continue;
        }
        for name in rest
            .split(['{', '}', ','])
            .map(|item| item.trim())
            .filter(|item| !item.is_empty())
        {
            // `a::B`, `B as C`: the name the root gives.
            let name = name.rsplit(" as ").next().unwrap_or(name);
            let name = name.rsplit("::").next().unwrap_or(name).trim();
            out.insert(name.to_owned(), module.to_owned());
        }
    }
    out
}

/// The top-level modules a file at module `path` refers to.
fn used_modules(
    text: &str,
    path: &[String],
    modules: &BTreeSet<String>,
    reexports: &BTreeMap<String, String>,
) -> BTreeSet<String> {
    let code = strip_comments(text);
    let mut used = BTreeSet::new();
    let mut add = |first: &str| {
        if modules.contains(first) {
            used.insert(first.to_owned());
        } else if let Some(module) = reexports.get(first) {
            used.insert(module.clone());
        }
    };
    // `crate::x…` and `crate::{x…, y…}`.
    for (at, _) in code.match_indices("crate::") {
        if code[..at].ends_with('$')
            || code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_')
        {
            continue; // `$crate::`, `my_crate::`.
        }
        for first in first_segments(&code[at + "crate::".len()..]) {
            add(&first);
        }
    }
    // `super::…` from a file directly under a top-level module's root names a sibling.
    if path.len() == 1 {
        for (at, _) in code.match_indices("super::") {
            if code[..at].ends_with("super::") {
                continue;
            }
            for first in first_segments(&code[at + "super::".len()..]) {
                add(&first);
            }
        }
    }
    used
}

/// The first path segment after `crate::`: one name, or every name of a `{…}` group.
fn first_segments(rest: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    if let Some(group) = rest.strip_prefix('{') {
        let mut depth = 1;
        let mut items = Vec::new();
        let mut start = 0;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        items.push(&group[start..i]);
                        break;
                    }
                }
                ',' if depth == 1 => {
                    items.push(&group[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        items
            .into_iter()
            .map(ident)
            .filter(|s| !s.is_empty())
            .collect()
    } else {
        vec![ident(rest)]
    }
}

/// `text` without `//` comments (doc comments mention paths they do not use), and without its
/// tests: from a `#[cfg(test)]` followed by a `mod` line, which ends our files, to the end.
/// Tests may use any module; the layering is about the code that ships.
fn strip_comments(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let end = lines
        .windows(2)
        .position(|pair| {
            pair[0].trim() == "#[cfg(test)]" && pair[1].trim_start().starts_with("mod ")
        })
        .unwrap_or(lines.len());
    lines[..end]
        .iter()
        .copied()
        .map(|line| match line.find("//") {
            // Not inside a string such as "http://…": a comment starts a line or follows code
            // with a space before it.
            Some(at) if line[..at].trim().is_empty() || line[..at].ends_with(' ') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The strongly connected components of more than one module: each is a cycle, or several.
fn cycles(graph: &BTreeMap<String, BTreeMap<String, PathBuf>>) -> Vec<Vec<String>> {
    // Reachability is enough for a graph of a dozen nodes.
    let reach = |from: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(node) = stack.pop() {
            for next in graph.get(&node).into_iter().flat_map(|edges| edges.keys()) {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|node| (node, reach(node))).collect();
    let mut components: BTreeSet<Vec<String>> = BTreeSet::new();
    for node in graph.keys() {
        let component: Vec<String> = graph
            .keys()
            .filter(|other| {
                *other == node
                    || (reachable[node].contains(*other) && reachable[*other].contains(node))
            })
            .cloned()
            .collect();
        if component.len() > 1 {
            components.insert(component);
        }
    }
    components.into_iter().collect()
}

/// Fails on a cycle among the crate's top-level modules that `known` does not list, and on a
/// listed one that is gone.
fn check_no_new_cycles(crate_dir: &str, root_file: &str, known: &[&[&str]]) {
    let graph = module_graph(&root().join(crate_dir).join("src"), root_file);
    let found = cycles(&graph);
    let known: Vec<Vec<String>> = known
        .iter()
        .map(|cycle| cycle.iter().map(|m| (*m).to_owned()).collect())
        .collect();
    let mut problems = Vec::new();
    for cycle in &found {
        if !known.contains(cycle) {
            let edges: Vec<String> = cycle
                .iter()
                .flat_map(|from| {
                    graph[from]
                        .iter()
                        .filter(|(to, _)| cycle.contains(to))
                        .map(move |(to, file)| format!("  {from} -> {to} ({})", file.display()))
                })
                .collect();
            problems.push(format!(
                "modules of {crate_dir} use each other in a cycle: {cycle:?}\n{}",
                edges.join("\n")
            ));
        }
    }
    for cycle in &known {
        if !found.contains(cycle) {
            problems.push(format!(
                "{cycle:?} is no longer a cycle in {crate_dir}: remove it from KNOWN_CYCLES"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\nA module uses another only one way: move what both need into a third, or pass it in.",
        problems.join("\n")
    );
}

#[test]
fn core_modules_form_no_cycle() {
    let known: Vec<&[&str]> = KNOWN_CYCLES
        .iter()
        .filter(|(krate, _)| *krate == "core")
        .map(|(_, cycle)| *cycle)
        .collect();
    check_no_new_cycles("crates/core", "lib.rs", &known);
}

#[test]
fn server_modules_form_no_cycle() {
    check_no_new_cycles("crates/server", "lib.rs", &[]);
}

#[test]
fn the_module_reader_finds_a_cycle() {
    let mut graph: BTreeMap<String, BTreeMap<String, PathBuf>> = BTreeMap::new();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        graph
            .entry(from.to_owned())
            .or_default()
            .insert(to.to_owned(), PathBuf::from(from));
        graph.entry(to.to_owned()).or_default();
    }
    assert_eq!(cycles(&graph), vec![vec!["a", "b", "c"]]);

    let modules = BTreeSet::from(["app", "query", "report", "search"].map(String::from));
    let reexports = BTreeMap::from([("Page".to_owned(), "query".to_owned())]);
    let text = "//! See [`crate::report`].\nuse crate::{app::Settings, Page};\nuse super::report::X;\n\
                #[cfg(test)]\nmod tests {\n    use crate::search::Index;\n}\n";
    let used = used_modules(text, &["followup".to_owned()], &modules, &reexports);
    assert_eq!(
        used,
        BTreeSet::from(["app".to_owned(), "query".to_owned(), "report".to_owned()])
    );
    let nested = used_modules(
        text,
        &["a".to_owned(), "b".to_owned()],
        &modules,
        &reexports,
    );
    assert!(
        !nested.contains("report"),
        "super:: inside a module stays in it"
    );
}

// The commands: docs/IPC.md against what the app registers.

/// The commands of the app: every entry of the one list in `crates/core/src/commands.rs`
/// (`read`, `write`, `local` or `shell`, then the name and its arguments), from which both the
/// Tauri app and the development server generate their handlers. Kept in this one function so
/// a change in how commands are listed changes only this.
fn registered_commands(root: &Path) -> BTreeSet<String> {
    let text = strip_comments(&read(
        &root
            .join("crates")
            .join("core")
            .join("src")
            .join("commands.rs"),
    ));
    let start = text
        .find("macro_rules! app_commands")
        .expect("crates/core/src/commands.rs declares app_commands!");
    let mut out = BTreeSet::new();
    for line in text[start..].lines() {
        let mut words = line.split_whitespace();
        let (Some(kind), Some(rest)) = (words.next(), words.next()) else {
            continue;
        };
        if !matches!(kind, "read" | "write" | "local" | "shell") {
            continue;
        }
        let name = rest.split('(').next().unwrap_or("");
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            out.insert(name.to_owned());
        }
    }
    out
}

/// The commands `docs/IPC.md` documents: the first cell of each row of its `## Commands` table.
fn documented_commands(root: &Path) -> BTreeSet<String> {
    let doc = read(&root.join("docs").join("IPC.md"));
    let mut in_commands = false;
    let mut out = BTreeSet::new();
    for line in doc.lines() {
        if line.starts_with("## ") {
            in_commands = line.trim() == "## Commands";
            continue;
        }
        if !in_commands {
            continue;
        }
        if let Some(cell) = line.strip_prefix("| `") {
            if let Some(name) = cell.split('`').next() {
                out.insert(name.to_owned());
            }
        }
    }
    out
}

#[test]
fn the_documented_commands_are_the_registered_ones() {
    let root = root();
    let registered = registered_commands(&root);
    let documented = documented_commands(&root);
    assert!(
        !registered.is_empty(),
        "no command found in app_commands! (crates/core/src/commands.rs)"
    );
    assert!(
        !documented.is_empty(),
        "no `## Commands` table found in docs/IPC.md"
    );
    let undocumented: Vec<&String> = registered.difference(&documented).collect();
    let unregistered: Vec<&String> = documented.difference(&registered).collect();
    assert!(
        undocumented.is_empty() && unregistered.is_empty(),
        "docs/IPC.md and the app's commands differ.\nregistered, not in docs/IPC.md: {undocumented:?}\nin docs/IPC.md, not registered: {unregistered:?}"
    );
}

// Migrations.

/// The SHA-256 of every shipped migration, as `sha256sum` writes them.
const MIGRATION_HASHES: &str = include_str!("migrations.sha256");

/// The folders whose files are migrations, relative to the root.
const MIGRATION_DIRS: &[&str] = &[
    "crates/core/migrations",
    "crates/server/migrations/postgres",
    "crates/server/migrations/sqlite",
];

#[test]
fn shipped_migrations_never_change() {
    let root = root();
    let pinned: BTreeMap<&str, &str> = MIGRATION_HASHES
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let (hash, path) = line.split_once("  ").expect("`<sha256>  <path>` lines");
            (path.trim(), hash.trim())
        })
        .collect();
    let mut problems = Vec::new();
    let mut on_disk = BTreeSet::new();
    for dir in MIGRATION_DIRS {
        let mut files: Vec<PathBuf> = fs::read_dir(root.join(dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.is_file())
            .collect();
        files.sort();
        for file in files {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let path = format!("{dir}/{name}");
            let hash = hex(&Sha256::digest(fs::read(&file).unwrap_or_default()));
            match pinned.get(path.as_str()) {
                Some(&expected) if expected == hash => {}
                Some(_) => problems.push(format!(
                    "{path} changed. Migrations are append-only: a database that ran it will not run it again. Put the change in a new migration and restore this file."
                )),
                None => problems.push(format!(
                    "{path} is new: add its line to xtask/src/migrations.sha256:\n{hash}  {path}"
                )),
            }
            on_disk.insert(path);
        }
    }
    for path in pinned.keys() {
        if !on_disk.contains(*path) {
            problems.push(format!(
                "{path} is gone. Migrations are append-only: restore it."
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// The Content-Security-Policy.

/// The files that carry a copy of the policy, relative to the root.
const CSP_COPIES: &[&str] = &["ui/vite.config.ts", "ui/e2e/chromium.test.mjs"];

/// A policy as directive → sources, e.g. `script-src` → `'self'`.
type Policy = BTreeMap<String, String>;

/// The app's policy: `app.security.csp` in `src-tauri/tauri.conf.json`, the source of truth.
fn app_policy(root: &Path) -> Policy {
    let conf: serde_json::Value =
        serde_json::from_str(&read(&root.join("src-tauri").join("tauri.conf.json")))
            .expect("tauri.conf.json is JSON");
    let csp = &conf["app"]["security"]["csp"];
    match csp {
        serde_json::Value::Object(directives) => directives
            .iter()
            .map(|(directive, sources)| {
                (directive.clone(), normalise(sources.as_str().unwrap_or("")))
            })
            .collect(),
        serde_json::Value::String(policy) => parse_policy(policy),
        other => {
            panic!("app.security.csp in tauri.conf.json is neither an object nor a string: {other}")
        }
    }
}

/// The policy a file spells out as `const CSP = [ "directive sources", … ]`, if it does; a
/// file that reads tauri.conf.json instead has none.
fn copied_policy(text: &str) -> Option<Policy> {
    let start = text.find("const CSP = [")? + "const CSP = [".len();
    let end = start + text[start..].find(']')?;
    let mut policy = String::new();
    for literal in text[start..end].split(['\n', ',']) {
        let literal = literal.trim();
        let Some(quote) = literal.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        policy.push_str(literal.trim_matches(quote));
        policy.push(';');
    }
    Some(parse_policy(&policy))
}

fn parse_policy(policy: &str) -> Policy {
    policy
        .split(';')
        .filter_map(|directive| {
            let directive = directive.trim();
            let (name, sources) = directive.split_once(' ').unwrap_or((directive, ""));
            (!name.is_empty()).then(|| (name.to_owned(), normalise(sources)))
        })
        .collect()
}

/// Sources in a canonical order, so `'self' data:` equals `data: 'self'`.
fn normalise(sources: &str) -> String {
    let sources: BTreeSet<&str> = sources.split_whitespace().collect();
    sources.into_iter().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_copy_of_the_csp_is_the_apps() {
    let root = root();
    let app = app_policy(&root);
    assert!(
        app.contains_key("default-src"),
        "the app's policy has no default-src: {app:?}"
    );
    let mut problems = Vec::new();
    for file in CSP_COPIES {
        let Some(copy) = copied_policy(&read(&root.join(file))) else {
            continue;
        };
        if copy != app {
            problems.push(format!(
                "{file}'s Content-Security-Policy differs from src-tauri/tauri.conf.json's:\n  {file}: {copy:?}\n  tauri.conf.json: {app:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_csp_reader_reads_both_spellings() {
    let text = "const CSP = [\n  \"default-src 'self'\",\n  'connect-src ipc: http://ipc.localhost',\n].join('; ');";
    let copy = copied_policy(text).unwrap();
    assert_eq!(
        copy,
        parse_policy("connect-src http://ipc.localhost ipc:; default-src 'self'")
    );
    assert_eq!(copied_policy("const policy = readConf();"), None);
}
