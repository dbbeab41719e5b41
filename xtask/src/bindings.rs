//! The TypeScript twins of the Rust types the web UI exchanges with the app (`docs/IPC.md`).
//!
//! `townhall-domain` and `townhall-core` derive `ts_rs::TS` on those types behind their `ts`
//! features. ts-rs turns each `#[ts(export)]` into a test named `export_bindings_<type>` that
//! writes `<Type>.ts`, and its dependencies' files, into `TS_RS_EXPORT_DIR`.
//! So generating is running those tests, then adding an `index.ts` that re-exports every type.
//!
//! `cargo xtask bindings` writes the files into [`GENERATED_DIR`], where they are committed.
//! `cargo xtask ci` generates them afresh and fails when the committed files differ, so a
//! change to a Rust type cannot reach the UI without its TypeScript twin changing with it.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::cmd::{Cmd, announce};

/// Where the generated files live, relative to the workspace root.
pub(crate) const GENERATED_DIR: &str = "ui/src/generated";

/// The file that re-exports every generated type.
const INDEX: &str = "index.ts";

/// Regenerates [`GENERATED_DIR`]: writes changed files and removes those no type generates.
pub(crate) fn write(root: &Path) -> Result<()> {
    let fresh = TempDir::new("write")?;
    let files = generate(root, fresh.path())?;
    let target = root.join(GENERATED_DIR);
    fs::create_dir_all(&target).with_context(|| format!("creating {}", target.display()))?;
    let committed = read_files(&target)?;
    for name in committed.keys().filter(|name| !files.contains_key(*name)) {
        let path = target.join(name);
        fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
    }
    // Unchanged files keep their timestamps, so a running `vite` reloads only what changed.
    for (name, contents) in &files {
        if committed.get(name) != Some(contents) {
            let path = target.join(name);
            fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    announce(&format!("wrote {} files to {GENERATED_DIR}", files.len()));
    Ok(())
}

/// Fails unless [`GENERATED_DIR`] holds exactly what the Rust types generate.
pub(crate) fn check(root: &Path) -> Result<()> {
    let fresh = TempDir::new("check")?;
    let files = generate(root, fresh.path())?;
    let target = root.join(GENERATED_DIR);
    let committed = if target.exists() {
        read_files(&target)?
    } else {
        BTreeMap::new()
    };
    let differences = differences(&files, &committed);
    if !differences.is_empty() {
        bail!(
            "{GENERATED_DIR} is stale: run `cargo xtask bindings`\n{}",
            differences.join("\n")
        );
    }
    announce(&format!("{GENERATED_DIR} is up to date"));
    Ok(())
}

/// Generates every file into the empty directory `out` and returns them by file name.
fn generate(root: &Path, out: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    announce("generating TypeScript bindings (the `export_bindings` tests of the `ts` feature)");
    Cmd::cargo()
        .current_dir(root)
        // ts-rs reads its settings from the environment, so pin each one a developer might
        // have set: the output must not depend on who generates it. `bigint` for `u64` keeps
        // a missing `#[ts(type = "number")]` visible to the check below.
        .env("TS_RS_EXPORT_DIR", out)
        .env("TS_RS_LARGE_INT", "bigint")
        .env("TS_RS_IMPORT_EXTENSION", "")
        .args([
            "test",
            "--locked",
            "-p",
            "townhall-domain",
            "-p",
            "townhall-core",
            "--features",
            "ts",
            "--lib",
            "--",
            "export_bindings",
        ])
        // The export tests' own `test result:` lines would read as the suite's totals in a CI
        // log; they are shown only when something fails.
        .run_hiding_stdout()?;
    let mut files = read_files(out)?;
    if files.is_empty() {
        bail!("no bindings were generated: no type derives `ts_rs::TS` with `#[ts(export)]`");
    }
    for (name, contents) in &files {
        check_file(name, &String::from_utf8_lossy(contents))?;
    }
    let index = index(files.keys());
    files.insert(INDEX.to_owned(), index.into_bytes());
    Ok(files)
}

/// Checks one generated file for what ts-rs gets wrong silently.
fn check_file(name: &str, contents: &str) -> Result<()> {
    // Skip the JSDoc copied from the Rust docs: only declarations matter.
    let code = contents.lines().filter(|line| {
        let line = line.trim_start();
        !(line.starts_with("/**") || line.starts_with('*'))
    });
    let mut declarations = 0;
    for line in code {
        if line.starts_with("export type ") {
            declarations += 1;
        }
        if line.contains("bigint") {
            bail!(
                "{name} declares a `bigint`, but serde writes a `u64` or `i64` as a plain JSON \
                 number: add `#[cfg_attr(feature = \"ts\", ts(type = \"number\"))]` to the field"
            );
        }
    }
    // ts-rs merges two types of the same name into one file instead of failing.
    if declarations != 1 {
        bail!("{name} declares {declarations} types: two Rust types must not share a name");
    }
    Ok(())
}

/// The `index.ts` that re-exports every type, one line per file, sorted by name.
fn index<'a>(names: impl IntoIterator<Item = &'a String>) -> String {
    let mut types: Vec<&str> = names
        .into_iter()
        .filter_map(|name| name.strip_suffix(".ts"))
        .collect();
    types.sort_unstable();
    let mut out =
        String::from("// Generated by `cargo xtask bindings`. Do not edit this file manually.\n");
    for ty in types {
        out.push_str(&format!("export type {{ {ty} }} from './{ty}';\n"));
    }
    out
}

/// The files directly in `dir`, by name. A subdirectory is an error: nothing generates one.
fn read_files(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    let entries = fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let path = entry.path();
        if !entry.file_type()?.is_file() {
            bail!(
                "{} is not a file; {GENERATED_DIR} holds only generated files",
                path.display()
            );
        }
        let name = entry
            .file_name()
            .into_string()
            .map_err(|name| anyhow::anyhow!("{} is not UTF-8", name.to_string_lossy()))?;
        let contents = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        files.insert(name, contents);
    }
    Ok(files)
}

/// What differs between the generated files and the committed ones, one line each.
fn differences(
    generated: &BTreeMap<String, Vec<u8>>,
    committed: &BTreeMap<String, Vec<u8>>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (name, contents) in generated {
        match committed.get(name) {
            None => out.push(format!("  missing: {name} (generated, not committed)")),
            Some(old) if old != contents => out.push(format!("  changed: {name}")),
            Some(_) => {}
        }
    }
    for name in committed
        .keys()
        .filter(|name| !generated.contains_key(*name))
    {
        out.push(format!("  extra: {name} (committed, no longer generated)"));
    }
    out
}

/// A fresh directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    /// Creates an empty directory named after this process and `purpose`.
    fn new(purpose: &str) -> Result<Self> {
        let path = std::env::temp_dir().join(format!(
            "townhall-bindings-{purpose}-{}",
            std::process::id()
        ));
        // A directory left by a killed run with a recycled process id.
        if path.exists() {
            fs::remove_dir_all(&path).with_context(|| format!("removing {}", path.display()))?;
        }
        fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Self(path))
    }

    /// The directory.
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Best effort: a leftover directory in the temporary directory harms nothing.
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(entries: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        entries
            .iter()
            .map(|(name, contents)| ((*name).to_owned(), contents.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn index_re_exports_every_type_sorted() {
        let names = ["QuestionRow.ts", "Agency.ts", "Change.ts"].map(String::from);
        assert_eq!(
            index(&names),
            "// Generated by `cargo xtask bindings`. Do not edit this file manually.\n\
             export type { Agency } from './Agency';\n\
             export type { Change } from './Change';\n\
             export type { QuestionRow } from './QuestionRow';\n"
        );
    }

    #[test]
    fn differences_name_changed_missing_and_extra_files() {
        let generated = files(&[("A.ts", "a"), ("B.ts", "b2"), ("C.ts", "c")]);
        let committed = files(&[("A.ts", "a"), ("B.ts", "b1"), ("D.ts", "d")]);
        assert_eq!(
            differences(&generated, &committed),
            [
                "  changed: B.ts",
                "  missing: C.ts (generated, not committed)",
                "  extra: D.ts (committed, no longer generated)",
            ]
        );
        assert!(differences(&generated, &generated).is_empty());
    }

    #[test]
    fn check_file_rejects_bigint_and_merged_types() {
        let ok = "// note\n\n/**\n * A bigint in the docs is fine.\n */\nexport type A = { n: number, };\n";
        assert!(check_file("A.ts", ok).is_ok());
        let big = "// note\n\nexport type A = { n: bigint, };\n";
        let err = check_file("A.ts", big).map_err(|e| e.to_string());
        assert!(err.is_err_and(|e| e.contains("A.ts declares a `bigint`")));
        let merged = "// note\n\nexport type A = string;\n\nexport type A = number;\n";
        let err = check_file("A.ts", merged).map_err(|e| e.to_string());
        assert!(err.is_err_and(|e| e.contains("declares 2 types")));
    }
}
