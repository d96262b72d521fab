//! `cargo gitops init [--path DIR] [--manifest-path FILE] [--ci github|gitlab]`:
//! adds gitops-rs to an existing crate, and with `--ci` a pipeline
//! ([`ci`](crate::ci)).
//!
//! - Cargo.toml: `gitops-types`, `serde` (with `derive`) and `schemars` under
//!   `[dependencies]`; the same and `gitops-gen` under `[build-dependencies]`
//!   (the build script includes `src/config.rs`). Edited with `toml_edit`:
//!   every byte of the file stays, the new entries are added. A dependency
//!   the crate already has is kept as written; what it lacks (serde's
//!   `derive`, schemars 1) is reported, not changed.
//! - `src/config.rs`: a documented `Config` to edit, and `build.rs`, which
//!   writes the chart through [`gitops_gen`'s build-script entry point](https://docs.rs/gitops-gen)
//!   (so `cargo gitops check` and `env` work).
//! - Nothing is overwritten. An existing `src/config.rs` (one `cargo gitops
//!   import` wrote, say) is kept as the config; an existing build script
//!   (`build.rs` or `package.build`'s, e.g. one that compiles protobufs) is
//!   kept, and the lines to add to it are printed. A crate already set up is
//!   left as it is. `package.build = false` is refused: the chart is written
//!   by a build script. A failed write removes what this run created.
//! - `src/main.rs` is yours: the next steps are printed, not applied.
//!
//! Where gitops-rs comes from (it is not on crates.io yet):
//! - `--git URL [--rev R | --tag T | --branch B]`: git dependencies, which
//!   build from any clone of the crate that can fetch URL. Checked with
//!   `git ls-remote` first.
//! - `--path DIR`: path dependencies on a checkout, for local development;
//!   written relative to the crate's directory when the two share a
//!   directory below the root (`../gitops-rs/gitops-gen`), absolute otherwise.
//! - Neither: what this binary came from ([`Source::default_for`]): its
//!   checkout's remote at its commit, the checkout itself when it has no
//!   remote, the repository `cargo install --git` recorded, else version
//!   requirements (`"0.1.0"`) for a registry or a `[patch]` of yours.
//!
//! The crate is the one whose Cargo.toml is in the current directory, or
//! `--manifest-path`; unlike `check` and `env`, init does not look in the
//! directories above.

use crate::manifest::{self, Find};
use crate::{ci, Error};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use toml_edit::{value, Array, InlineTable, Item, Table};

/// `cargo gitops init`'s options.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A gitops-rs checkout for path dependencies, which build only where
    /// that checkout is (local development)
    #[arg(long, value_name = "GITOPS_RS_CHECKOUT", conflicts_with_all = ["git", "rev", "tag", "branch"])]
    path: Option<PathBuf>,
    /// A gitops-rs Git repository for git dependencies, which build from any
    /// clone of your crate [default: the remote of the checkout this binary
    /// was built from, at its commit; or the repository `cargo install --git`
    /// installed it from]
    #[arg(long, value_name = "URL")]
    git: Option<String>,
    /// With --git: the commit to build
    #[arg(long, requires = "git", group = "git_ref")]
    rev: Option<String>,
    /// With --git: the tag to build
    #[arg(long, requires = "git", group = "git_ref")]
    tag: Option<String>,
    /// With --git: the branch to build [default: the repository's default branch]
    #[arg(long, requires = "git", group = "git_ref")]
    branch: Option<String>,
    /// The chart's name in the build script [default: the package's name,
    /// lower case, `-` for `_`]; `cargo gitops import` prints the original's
    #[arg(long, value_name = "NAME")]
    chart_name: Option<String>,
    /// The image repository in the build script, without a tag
    /// [default: registry.example.com/<chart>]
    #[arg(long, value_name = "REPOSITORY")]
    image: Option<String>,
    /// The chart's appVersion, the image tag a release without a pin runs
    /// [default: the crate's version]
    #[arg(long, value_name = "VERSION")]
    app_version: Option<String>,
    /// The crate's Cargo.toml [default: the one in the current directory]
    #[arg(long, value_name = "Cargo.toml")]
    manifest_path: Option<PathBuf>,
    /// Also write a CI pipeline (GitHub Actions or GitLab CI) that checks,
    /// diffs and gates pull requests and releases tags, and the default
    /// Rego policies it runs into policies/
    #[arg(long, value_enum, value_name = "SYSTEM")]
    ci: Option<ci::Ci>,
    /// The environment a tag's image is released to by the pipeline
    #[arg(long, value_name = "ENV", default_value = "dev", requires = "ci")]
    release_env: String,
}

/// Runs the command.
pub(crate) fn run(args: Args) -> Result<(), Error> {
    let source = match (&args.path, &args.git) {
        (Some(dir), _) => Source::checkout(dir)?,
        (None, Some(url)) => {
            let pin = match (&args.rev, &args.tag, &args.branch) {
                (Some(rev), _, _) => GitPin::Rev(rev.clone()),
                (_, Some(tag), _) => GitPin::Tag(tag.clone()),
                (_, _, Some(branch)) => GitPin::Branch(branch.clone()),
                _ => GitPin::DefaultBranch,
            };
            Source::git(url, pin)?
        }
        (None, None) => Source::default_for(&built_from(), install_root().as_deref()),
    };
    let chosen_by_default = args.path.is_none() && args.git.is_none();
    // The crate in the current directory, not one found above it.
    let during = |e: Error| e.during("init");
    let manifest =
        manifest::manifest_path(args.manifest_path.as_deref(), Find::Here).map_err(during)?;
    let chart =
        ChartSettings { name: args.chart_name, image: args.image, app_version: args.app_version };
    let mut report = init(&manifest, &source, &chart).map_err(during)?;
    if chosen_by_default && report.source.is_some() {
        report.warnings.extend(unpushed(&built_from(), &source));
    }
    print!("{report}");
    if let Some(system) = args.ci {
        let crate_dir = manifest.parent().unwrap_or(Path::new("."));
        let written = write_ci(system, crate_dir, &source, &args.release_env).map_err(during)?;
        println!("cargo gitops init: the CI pipeline and its policies:");
        for path in written {
            println!("  wrote {}", path.display());
        }
    }
    Ok(())
}

/// The pipeline at the repository's root (the crate's directory outside
/// Git), installing cargo-gitops from where this one's gitops-rs comes from.
fn write_ci(
    system: ci::Ci,
    crate_dir: &Path,
    source: &Source,
    release_env: &str,
) -> Result<Vec<PathBuf>, Error> {
    let git = gitops_gen::foundation::git::Git::new();
    let ask = |dir: &Path, args: &[&str]| git.run(dir, args).ok().map(|out| out.trim().to_owned());
    let root = ask(crate_dir, &["rev-parse", "--show-toplevel"])
        .map_or_else(|| crate_dir.to_owned(), PathBuf::from);
    let prefix = ask(crate_dir, &["rev-parse", "--show-prefix"]).unwrap_or_default();
    if !ci::is_environment_name(release_env) {
        return Err(Error::BadEnvironmentName { name: release_env.to_owned() });
    }
    // The same gitops-rs the crate was set up with.
    let install = source.install_command();
    let pipeline = ci::Pipeline {
        crate_dir: prefix.trim_end_matches('/'),
        install: &install,
        first_environment: release_env,
    };
    ci::write(system, &root, crate_dir, &pipeline)
}

/// Where the gitops-rs dependencies come from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// A gitops-rs checkout: path dependencies on its crates, for local
    /// development (they build only where that checkout is).
    Checkout(PathBuf),
    /// A gitops-rs Git repository: git dependencies, which build from any
    /// clone of the crate that can reach the repository.
    Git { url: String, pin: GitPin },
    /// Version requirements (this binary's version), for a registry or a
    /// `[patch]` of the user's.
    Version(String),
}

/// Which commit of a Git source cargo builds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum GitPin {
    Rev(String),
    Tag(String),
    Branch(String),
    DefaultBranch,
}

impl GitPin {
    /// The key and value of the dependency's entry (`rev = "…"`), if any.
    fn key_value(&self) -> Option<(&'static str, &str)> {
        match self {
            GitPin::Rev(rev) => Some(("rev", rev)),
            GitPin::Tag(tag) => Some(("tag", tag)),
            GitPin::Branch(branch) => Some(("branch", branch)),
            GitPin::DefaultBranch => None,
        }
    }
}

/// The gitops-rs checkout this binary was built from (its source
/// directory's parent), whether or not it is still there.
fn built_from() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_owned()
}

/// Where cargo installed this binary (`<root>/bin/cargo-gitops`): its
/// `.crates2.json` says where it came from.
fn install_root() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.parent()?.to_owned())
}

impl Source {
    /// `--path DIR`, which must be a checkout.
    fn checkout(dir: &Path) -> Result<Source, Error> {
        let dir = manifest::absolute(dir);
        if !is_checkout(&dir) {
            return Err(Error::NotACheckout { dir });
        }
        Ok(Source::Checkout(dir))
    }

    /// `--git URL` with its ref, once `git ls-remote` has read the URL and
    /// a tag or branch: a typo there is caught here, not by the crate's
    /// first build (a `--rev` is fetched by that build; ls-remote lists refs,
    /// not commits).
    fn git(url: &str, pin: GitPin) -> Result<Source, Error> {
        let url = cargo_git_url(url);
        use gitops_gen::foundation::git::{Git, GitError};
        // No prompt for credentials: a URL that needs them fails here.
        let git = Git::new().env("GIT_TERMINAL_PROMPT", "0");
        let wanted = match &pin {
            GitPin::Tag(tag) => format!("refs/tags/{tag}"),
            GitPin::Branch(branch) => format!("refs/heads/{branch}"),
            GitPin::Rev(_) | GitPin::DefaultBranch => "HEAD".to_owned(),
        };
        let here = std::env::temp_dir();
        match git.run(&here, &["ls-remote", "--", &url, &wanted]) {
            Err(GitError::Failed { stderr, .. }) => {
                Err(Error::GitUnreadable { url, why: first_line(&stderr) })
            }
            Err(e) => Err(Error::GitUnreadable { url, why: e.to_string() }),
            Ok(listed) if listed.trim().is_empty() => {
                Err(Error::GitRefMissing { url, reference: wanted })
            }
            Ok(_) => Ok(Source::Git { url, pin }),
        }
    }

    /// No `--path` or `--git`: what this binary came from.
    /// - Built from a checkout with a remote (`origin`): that remote, without
    ///   credentials, at the checkout's commit. Git dependencies build from
    ///   any clone; a commit on no remote branch is warned about
    ///   ([`unpushed`]).
    /// - Built from a checkout without a remote: path dependencies on it
    ///   (local development; `--git` for anything else).
    /// - Installed by `cargo install --git URL`: that URL at that commit, as
    ///   cargo recorded it in the install root's `.crates2.json`.
    /// - Otherwise: this version, for a registry or a `[patch]` of yours.
    fn default_for(built_from: &Path, install_root: Option<&Path>) -> Source {
        let in_cargo_cache = built_from.components().any(|c| c.as_os_str() == "checkouts")
            && built_from.ancestors().any(|dir| dir.file_name() == Some("git".as_ref()));
        if is_checkout(built_from) && !in_cargo_cache {
            return remote_at_head(built_from)
                .unwrap_or_else(|| Source::Checkout(built_from.to_owned()));
        }
        install_root
            .and_then(installed_from_git)
            .unwrap_or_else(|| Source::Version(env!("CARGO_PKG_VERSION").to_owned()))
    }

    /// The entry for the gitops-rs crate `name` in the Cargo.toml of the
    /// crate in `crate_dir`: for a checkout, a path relative to it when there
    /// is one (see [`relative_path`]), else absolute.
    fn dependency(&self, name: &str, crate_dir: &Path) -> Item {
        match self {
            Source::Checkout(dir) => {
                let mut table = InlineTable::new();
                let target = dir.join(name);
                let path = relative_path(crate_dir, &target).unwrap_or(target);
                table.insert("path", path.to_string_lossy().replace('\\', "/").into());
                value(table)
            }
            Source::Git { url, pin } => {
                let mut table = InlineTable::new();
                table.insert("git", url.as_str().into());
                if let Some((key, reference)) = pin.key_value() {
                    table.insert(key, reference.into());
                }
                value(table)
            }
            Source::Version(version) => value(version.as_str()),
        }
    }

    /// How a CI job installs the same cargo-gitops.
    fn install_command(&self) -> String {
        let versioned =
            format!("cargo install --locked cargo-gitops --version {}", env!("CARGO_PKG_VERSION"));
        match self {
            Source::Git { url, pin } => match pin.key_value() {
                Some((key, reference)) => {
                    format!("cargo install --locked --git {url} --{key} {reference} cargo-gitops")
                }
                None => format!("cargo install --locked --git {url} cargo-gitops"),
            },
            // A checkout: its remote at its commit, if it has one.
            Source::Checkout(dir) => {
                remote_at_head(dir).map_or(versioned, |remote| remote.install_command())
            }
            Source::Version(_) => versioned,
        }
    }
}

/// The checkout `dir`'s remote (`origin`), without credentials, at its
/// commit; `None` without a remote or a commit.
fn remote_at_head(dir: &Path) -> Option<Source> {
    let git = gitops_gen::foundation::git::Git::new();
    let ask = |args: &[&str]| git.run(dir, args).ok().map(|o| o.trim().to_owned());
    let url = ask(&["remote", "get-url", "origin"]).filter(|url| !url.is_empty())?;
    let rev = ask(&["rev-parse", "HEAD"])?;
    Some(Source::Git { url: without_credentials(&cargo_git_url(&url)), pin: GitPin::Rev(rev) })
}

/// `url` without a user or token (`https://me:token@host/x` →
/// `https://host/x`): what goes into a committed Cargo.toml and a CI file.
fn without_credentials(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) if scheme != "ssh" => {
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
            format!("{scheme}://{host}/{path}")
        }
        _ => url.to_owned(),
    }
}

/// A warning when the default source is the checkout's remote at a commit
/// no remote branch holds yet: the crate would build only here.
fn unpushed(built_from: &Path, source: &Source) -> Option<String> {
    let Source::Git { url, pin: GitPin::Rev(rev) } = source else { return None };
    let git = gitops_gen::foundation::git::Git::new();
    let branches = git.run(built_from, &["branch", "--remotes", "--contains", rev]).ok()?;
    branches.trim().is_empty().then(|| {
        format!("the gitops-rs commit {rev} is on no branch of {url} yet: push it, or the crate builds only on this machine (`--path` or `--git URL --tag T` to choose)")
    })
}

/// The repository and commit `cargo install --git` recorded for
/// cargo-gitops in `<root>/.crates2.json`: a key of its `installs` map such
/// as `"cargo-gitops 0.1.0 (git+https://host/gitops-rs?tag=v1#<sha>)"`.
fn installed_from_git(root: &Path) -> Option<Source> {
    let text = fs::read_to_string(root.join(".crates2.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json.get("installs")?.as_object()?.keys().find_map(|key| {
        let source = key.strip_prefix("cargo-gitops ")?.split_once(" (git+")?.1;
        let (url, rev) = source.strip_suffix(')')?.split_once('#')?;
        let url = url.split_once('?').map_or(url, |(url, _)| url);
        Some(Source::Git { url: url.to_owned(), pin: GitPin::Rev(rev.to_owned()) })
    })
}

fn first_line(text: &str) -> String {
    text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("").to_owned()
}

/// A Git remote as cargo takes it: scp-like `git@host:path` becomes
/// `ssh://git@host/path`, a local path `file://` + its absolute path.
fn cargo_git_url(url: &str) -> String {
    if url.contains("://") {
        return url.to_owned();
    }
    match url.split_once(':') {
        Some((host, path)) if host.contains('@') && !path.starts_with('/') => {
            format!("ssh://{host}/{path}")
        }
        _ if Path::new(url).is_absolute() || Path::new(url).exists() => {
            format!("file://{}", manifest::absolute(Path::new(url)).to_string_lossy())
        }
        _ => url.to_owned(),
    }
}

/// `target` relative to the directory `base` (both absolute), so a
/// Cargo.toml that is committed names no one's home directory: `None` when
/// the two share nothing below the root (or a Windows drive), where a path
/// climbing to the root is as tied to one machine as the absolute one, and
/// when the relative path does not reach the same directory on disk
/// (symbolic links between them).
fn relative_path(base: &Path, target: &Path) -> Option<PathBuf> {
    let relative = lexical_relative_path(base, target)?;
    // Cargo joins the path to the crate's directory; the file system must
    // agree with the arithmetic.
    let same = |a: &Path, b: &Path| matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b);
    same(&base.join(&relative), target).then_some(relative)
}

/// [`relative_path`]'s arithmetic alone, on the paths' text.
fn lexical_relative_path(base: &Path, target: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let (base, target) = (normalize(base), normalize(target));
    let base_parts: Vec<Component> = base.components().collect();
    let target_parts: Vec<Component> = target.components().collect();
    let common = base_parts.iter().zip(&target_parts).take_while(|(a, b)| a == b).count();
    let below_root = base_parts[..common].iter().any(|c| matches!(c, Component::Normal(_)));
    if !below_root {
        return None;
    }
    let mut relative = PathBuf::new();
    for _ in common..base_parts.len() {
        relative.push("..");
    }
    relative.extend(&target_parts[common..]);
    if relative.as_os_str().is_empty() {
        relative.push(".");
    }
    Some(relative)
}

/// `path` with `.` removed and each `..` applied to the part before it,
/// without reading the file system.
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn is_checkout(dir: &Path) -> bool {
    dir.join("gitops-types/Cargo.toml").is_file() && dir.join("gitops-gen/Cargo.toml").is_file()
}

/// What `init` did, printed for the user.
#[derive(Debug, Default)]
struct Report {
    package: String,
    added: Vec<String>,
    kept: Vec<String>,
    warnings: Vec<String>,
    written: Vec<PathBuf>,
    /// Files of the user's kept as they are, each with why.
    kept_files: Vec<String>,
    /// The lines to add to an existing build script that does not call gitops-gen.
    build_lines: Option<String>,
    source: Option<Source>,
}

impl Report {
    /// Whether this run changed nothing: the crate was set up already.
    fn nothing_to_do(&self) -> bool {
        self.added.is_empty() && self.written.is_empty() && self.build_lines.is_none()
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.nothing_to_do() {
            writeln!(
                f,
                "cargo gitops init: `{}` is set up for gitops-rs already; nothing changed",
                self.package
            )?;
            for warning in &self.warnings {
                writeln!(f, "warning: {warning}")?;
            }
            return Ok(());
        }
        writeln!(f, "cargo gitops init: `{}` set up for gitops-rs", self.package)?;
        if !self.added.is_empty() {
            writeln!(f, "  Cargo.toml: added {}", self.added.join(", "))?;
        }
        match &self.source {
            Some(Source::Checkout(dir)) => {
                writeln!(f, "    (path dependencies on the gitops-rs checkout {})", dir.display())?
            }
            Some(Source::Git { url, pin }) => match pin.key_value() {
                Some((key, reference)) => writeln!(
                    f,
                    "    (git dependencies on {url}, {key} {reference}: they build from any clone that can fetch it; `--path DIR` for a local checkout)"
                )?,
                None => writeln!(
                    f,
                    "    (git dependencies on {url}, its default branch; pin one with --rev, --tag or --branch)"
                )?,
            },
            Some(Source::Version(version)) => writeln!(
                f,
                "    (version {version}: gitops-rs is not on crates.io; point them at a repository with `--git URL`, a checkout with `--path DIR`, or a [patch] section)"
            )?,
            None => {}
        }
        for kept in &self.kept {
            writeln!(f, "  Cargo.toml: kept {kept} as it was")?;
        }
        for path in &self.written {
            writeln!(f, "  wrote {}", path.display())?;
        }
        for kept in &self.kept_files {
            writeln!(f, "  kept {kept}")?;
        }
        for warning in &self.warnings {
            writeln!(f, "warning: {warning}")?;
        }
        if let Some(lines) = &self.build_lines {
            writeln!(f, "{lines}")?;
        }
        write!(
            f,
            "\
next steps:
  1. Describe your settings in src/config.rs and set your image in build.rs.
  2. In src/main.rs (yours; left as it is):
         mod config;
     and at the start of main:
         let config: config::Config = gitops_types::load().unwrap_or_else(|e| {{
             eprintln!(\"{{e}}\");
             std::process::exit(2);
         }});
  3. `cargo build` writes the Helm chart to chart/; commit it.
  4. `cargo gitops env` writes .env.example to run the app locally;
     `cargo gitops check` fails when chart/ is out of date (for CI).
"
        )
    }
}

/// The dependencies init adds: (table, name).
const DEPENDENCIES: &[(&str, &str)] = &[
    ("dependencies", "gitops-types"),
    ("dependencies", "serde"),
    ("dependencies", "schemars"),
    ("build-dependencies", "gitops-gen"),
    ("build-dependencies", "gitops-types"),
    ("build-dependencies", "serde"),
    ("build-dependencies", "schemars"),
];

/// What the build script's `Chart` is given, when the user (or an import's
/// next steps) says; the package's own otherwise.
#[derive(Debug, Default)]
struct ChartSettings {
    name: Option<String>,
    image: Option<String>,
    app_version: Option<String>,
}

/// The `Chart` call a build script makes: its name, image and appVersion.
struct ChartCall {
    name: String,
    image: String,
    app_version: Option<String>,
    /// A `crds/` beside Cargo.toml (an import's `--crds-out crds`): the
    /// chart carries its CRDs.
    crds: bool,
}

/// The dependency a config module needs when it names `serde_json` (an
/// imported one, for values typed as JSON).
const SERDE_JSON: &[(&str, &str)] =
    &[("dependencies", "serde_json"), ("build-dependencies", "serde_json")];

/// Sets up the crate whose Cargo.toml is `manifest`.
fn init(manifest: &Path, source: &Source, settings: &ChartSettings) -> Result<Report, Error> {
    let crate_dir = manifest.parent().unwrap_or(Path::new("."));
    let original = match fs::read_to_string(manifest) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::ManifestGone { path: manifest.to_owned() })
        }
        Err(source) => return Err(Error::Io { path: manifest.to_owned(), source }),
    };
    let mut doc = manifest::parse_manifest(&original, manifest)?;
    let package = manifest::package_name(
        &doc,
        manifest,
        "run init in the crate's directory or give --manifest-path",
    )?;

    // Every refusal before anything is written; the user's files are kept.
    let config_rs = crate_dir.join("src").join("config.rs");
    let chart = ChartCall {
        name: settings.name.clone().unwrap_or_else(|| chart_name(&package)),
        image: settings
            .image
            .clone()
            .unwrap_or_else(|| format!("registry.example.com/{}", chart_name(&package))),
        app_version: settings.app_version.clone(),
        crds: crate_dir.join("crds").is_dir(),
    };
    let build_rs = match doc.get("package").and_then(|p| p.get("build")) {
        None => crate_dir.join("build.rs"),
        Some(build) => match build.as_value() {
            Some(toml_edit::Value::String(path)) => crate_dir.join(path.value()),
            Some(toml_edit::Value::Boolean(on)) if *on.value() => crate_dir.join("build.rs"),
            Some(toml_edit::Value::Boolean(_)) => {
                return Err(Error::BuildScriptsOff { manifest: manifest.to_owned() })
            }
            _ => {
                return Err(Error::BuildNotAPath {
                    manifest: manifest.to_owned(),
                    value: build
                        .as_value()
                        .map_or("…".to_owned(), |v| v.to_string().trim().to_owned()),
                })
            }
        },
    };
    let script = BuildScript::at(crate_dir, &build_rs);
    let (mut kept_files, mut warnings) = (Vec::new(), Vec::new());
    let config_is_yours = config_rs.exists();
    let mut needs_serde_json = false;
    if config_is_yours {
        let text = fs::read_to_string(&config_rs)
            .map_err(|source| Error::Io { path: config_rs.clone(), source })?;
        needs_serde_json = text.contains("serde_json::");
        kept_files.push(format!("{} as your config (not rewritten)", config_rs.display()));
        if !text.contains("GitOps") {
            warnings.push(format!(
                "{} does not mention `GitOps`: the build script expects a `Config` deriving it (see the README's quick start)",
                config_rs.display()
            ));
        }
    }
    let mut build_lines = None;
    let build_is_yours = build_rs.exists();
    if build_is_yours {
        let text = fs::read_to_string(&build_rs)
            .map_err(|source| Error::Io { path: build_rs.clone(), source })?;
        kept_files.push(format!("{} (yours; not rewritten)", build_rs.display()));
        let calls_gitops_gen = text.contains("gitops_gen");
        if !(calls_gitops_gen && text.contains(".build_script")) {
            build_lines = Some(script.lines_to_add(&build_rs, &chart, calls_gitops_gen));
        }
    }

    let mut report =
        Report { package: package.clone(), kept_files, build_lines, warnings, ..Report::default() };
    let extra = if needs_serde_json { SERDE_JSON } else { &[] };
    for (table_name, name) in DEPENDENCIES.iter().chain(extra) {
        let table = doc
            .as_table_mut()
            .entry(table_name)
            .or_insert_with(|| Item::Table(Table::new()))
            .as_table_like_mut()
            .ok_or_else(|| Error::NotATable { manifest: manifest.to_owned(), table: table_name })?;
        let what = format!("{name} in [{table_name}]");
        match table.get(name) {
            Some(existing) => {
                report.warnings.extend(lacks(name, existing).map(|why| format!("{what}: {why}")));
                report.kept.push(what);
            }
            None => {
                table.insert(name, wanted(name, source, crate_dir));
                report.added.push(what);
            }
        }
    }
    report.source =
        Some(source.clone()).filter(|_| report.added.iter().any(|a| a.contains("gitops-")));

    if report.added.is_empty() && config_is_yours && build_is_yours {
        return Ok(report);
    }
    let prefix = gitops_model::naming::default_env_prefix(&package);
    let mut created: Vec<PathBuf> = Vec::new();
    let result = (|| {
        let src = crate_dir.join("src");
        fs::create_dir_all(&src)
            .map_err(|source| Error::CreateDir { path: src.clone(), source })?;
        if !config_is_yours {
            crate::files::create_new(&config_rs, &config_skeleton(&package, &prefix))?;
            created.push(config_rs.clone());
        }
        if !build_is_yours {
            if let Some(dir) = build_rs.parent() {
                fs::create_dir_all(dir)
                    .map_err(|source| Error::CreateDir { path: dir.to_owned(), source })?;
            }
            crate::files::create_new(&build_rs, &script.skeleton(&chart))?;
            created.push(build_rs.clone());
        }
        if report.added.is_empty() {
            return Ok(());
        }
        replace(manifest, doc.to_string().as_bytes())
    })();
    if let Err(e) = result {
        for path in &created {
            let _ = fs::remove_file(path);
        }
        return Err(e);
    }
    report.written = created;
    Ok(report)
}

/// What a dependency the crate already has lacks for gitops-rs, if anything.
fn lacks(name: &str, existing: &Item) -> Option<String> {
    let version = existing.as_str().or_else(|| existing.get("version").and_then(Item::as_str));
    let from_workspace = existing.get("workspace").and_then(Item::as_bool).unwrap_or(false);
    match name {
        "serde" => {
            let features = existing.get("features").and_then(Item::as_array);
            let derive = features.is_some_and(|f| f.iter().any(|v| v.as_str() == Some("derive")));
            match (derive, from_workspace) {
                (true, _) => None,
                (false, true) => Some(
                    "inherited from the workspace: make sure the workspace's serde has `features = [\"derive\"]` (the config derives Serialize and Deserialize)".into(),
                ),
                (false, false) => Some(
                    "has no `features = [\"derive\"]`, which the config's #[derive(Serialize, Deserialize)] needs".into(),
                ),
            }
        }
        "schemars" => version
            .filter(|v| v.trim_start_matches(['^', '=', '~', ' ']).starts_with('0'))
            .map(|v| format!("version {v:?}: gitops-rs needs schemars 1 (`schemars = \"1\"`)")),
        _ => None,
    }
}

/// The entry init adds for `name`.
fn wanted(name: &str, source: &Source, crate_dir: &Path) -> Item {
    match name {
        "serde" => {
            let mut table = InlineTable::new();
            table.insert("version", "1".into());
            let mut features = Array::new();
            features.push("derive");
            table.insert("features", features.into());
            value(table)
        }
        "schemars" | "serde_json" => value("1"),
        _ => source.dependency(name, crate_dir),
    }
}

/// The package's name as a chart name: lower case, `-` for `_`.
fn chart_name(package: &str) -> String {
    let mut name: String = package
        .chars()
        .map(|c| if c == '_' { '-' } else { c.to_ascii_lowercase() })
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .skip_while(|c| !c.is_ascii_lowercase())
        .take(53)
        .collect();
    while name.ends_with('-') {
        name.pop();
    }
    if name.is_empty() {
        name.push_str("app");
    }
    name
}

/// Replaces `path` through a temporary file and a rename, keeping its
/// permissions: a reader never sees half a Cargo.toml.
fn replace(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let fail = |source| Error::Write { path: path.to_owned(), source };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".Cargo.toml.")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    if let Ok(metadata) = fs::metadata(path) {
        fs::set_permissions(tmp.path(), metadata.permissions()).map_err(fail)?;
    }
    tmp.persist(path).map(drop).map_err(|e| fail(e.error))
}

fn config_skeleton(package: &str, prefix: &str) -> String {
    format!(
        r#"//! The configuration of `{package}`: the single source of its Helm chart.
//!
//! gitops-rs reads this struct twice. At build time, `build.rs` includes this
//! file and writes `chart/` from it: each field is a key under `config:` in
//! values.yaml (its doc comment becomes the key's documentation, its default
//! the value), a constraint in values.schema.json, and an env var of the
//! container. At run time `gitops_types::load()` reads it back from those env
//! vars (and Secret files), checked against the same schema.
//!
//! So this module may use only crates listed under `[build-dependencies]` too
//! (serde, schemars, gitops-types). Env vars: the prefix below, then each key
//! in SCREAMING_SNAKE_CASE, `__` between nested sections
//! (`httpPort` → `{prefix}HTTP_PORT`). See gitops-rs's docs/reference.md,
//! "Attributes", for every `#[gitops(...)]` attribute.

use gitops_types::GitOps;
use schemars::JsonSchema;
use serde::{{Deserialize, Serialize}};

/// What `{package}` does, in one sentence: it becomes the chart's description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, GitOps)]
// Every key is optional in a values file: missing ones take `Config::default()`.
#[serde(rename_all = "camelCase", default)]
// The prefix of every env var; upper case, digits and `_`.
#[gitops(env_prefix = "{prefix}")]
pub struct Config {{
    /// Port the HTTP server listens on.
    // A named container port, and the Service's; remove it for an app that
    // serves nothing (a worker), and the chart has no Service.
    #[gitops(port = "http")]
    #[schemars(range(min = 1024, max = 65535))]
    pub http_port: u16,
    /// Log verbosity: error, warn, info, debug or trace.
    pub log_level: String,
    // A value read from a Kubernetes Secret (a mounted file, or an env var
    // locally), never from values.yaml; `Option<String>` makes it optional.
    // Uncommented, it needs `database_url: String::new()` in `default()` too:
    //
    // /// Postgres connection string.
    // #[gitops(secret)]
    // pub database_url: String,
}}

/// The defaults: values.yaml's `config:` section.
impl Default for Config {{
    fn default() -> Self {{
        Config {{ http_port: 8080, log_level: "info".into() }}
    }}
}}
"#
    )
}

/// Where the build script is, relative to the crate: the `#[path]` to
/// `src/config.rs` from its directory, and the path cargo's
/// `rerun-if-changed` takes (relative to the crate).
struct BuildScript {
    config_path: String,
    own_path: String,
}

impl BuildScript {
    fn at(crate_dir: &Path, build_rs: &Path) -> Self {
        let text = |p: &Path| p.to_string_lossy().replace('\\', "/");
        let config = crate_dir.join("src").join("config.rs");
        // `#[path]` in a crate root resolves from that file's directory.
        let from_script = build_rs.parent().and_then(|dir| lexical_relative_path(dir, &config));
        BuildScript {
            config_path: text(from_script.as_deref().unwrap_or(&config)),
            own_path: text(build_rs.strip_prefix(crate_dir).unwrap_or(build_rs)),
        }
    }

    /// The chart's call, indented for `fn main()`.
    fn chart_call(chart: &ChartCall) -> String {
        let ChartCall { name, image, app_version, crds } = chart;
        let crds = if *crds {
            "\n        // The CustomResourceDefinitions in crds/, installed by Helm first.\n        .crds(\"crds\")"
        } else {
            ""
        };
        let app_version = match app_version {
            Some(version) => format!(
                "\n        // The image tag a release without a pin runs.\n        .app_version({version:?})"
            ),
            None => String::new(),
        };
        format!(
            r#"    gitops_gen::Chart::new({name:?})
        // Your image's repository, without a tag.
        .image({image:?})
        .version(env!("CARGO_PKG_VERSION")){app_version}{crds}
        .config::<config::Config>()
        // `chart` is relative to this crate's directory. On an error it
        // prints `error: …` and fails the build.
        .build_script(gitops_gen::Outputs::chart("chart"));"#
        )
    }

    /// What to add to a build script of the user's so it writes the chart
    /// too; `replace` when it already calls gitops-gen another way.
    fn lines_to_add(&self, build_rs: &Path, chart: &ChartCall, replace: bool) -> String {
        let verb = if replace {
            "replace its gitops-gen call (e.g. `Chart::write`) with the entry point `cargo gitops check` and `env` need"
        } else {
            "add the chart to it"
        };
        format!(
            "{} is yours, so not edited: {verb}. At the top:\n    #[path = \"{}\"]\n    mod config;\nand in its `fn main()`:\n    println!(\"cargo:rerun-if-changed=src/config.rs\");\n{}",
            build_rs.display(),
            self.config_path,
            Self::chart_call(chart)
        )
    }

    /// A new build script that only writes the chart.
    fn skeleton(&self, chart: &ChartCall) -> String {
        format!(
            r#"//! Writes the Helm chart in `chart/` from `src/config.rs` (gitops-rs). The
//! same entry point answers `cargo gitops check` (is `chart/` up to date?)
//! and `cargo gitops env` (write `.env.example`).

// A build script cannot see the crate's own types: it includes the module.
#[path = "{}"]
mod config;

fn main() {{
    println!("cargo:rerun-if-changed=src/config.rs");
    println!("cargo:rerun-if-changed={}");{}
{}
}}
"#,
            self.config_path,
            self.own_path,
            if chart.crds { "\n    println!(\"cargo:rerun-if-changed=crds\");" } else { "" },
            Self::chart_call(chart)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_package() {
        assert_eq!(chart_name("my_app"), "my-app");
        assert_eq!(chart_name("My-App2"), "my-app2");
        assert_eq!(chart_name("_x_"), "x");
    }

    #[test]
    fn relative_paths_below_a_shared_directory_only() {
        let rel = |base: &str, target: &str| {
            lexical_relative_path(Path::new(base), Path::new(target))
                .map(|p| p.to_string_lossy().into_owned())
        };
        assert_eq!(
            rel("/home/alice/svc", "/home/alice/gitops-rs/gitops-gen").as_deref(),
            Some("../gitops-rs/gitops-gen")
        );
        assert_eq!(
            rel("/home/alice/work/svc", "/home/alice/gitops-rs/./x/../gitops-types").as_deref(),
            Some("../../gitops-rs/gitops-types")
        );
        assert_eq!(
            rel("/srv/gitops-rs/examples/svc", "/srv/gitops-rs/gitops-gen").as_deref(),
            Some("../../gitops-gen")
        );
        assert_eq!(rel("/srv/a", "/srv/a/vendor/gitops-gen").as_deref(), Some("vendor/gitops-gen"));
        // Only the root in common: the absolute path is kept.
        assert_eq!(rel("/tmp/svc", "/home/alice/gitops-rs/gitops-gen"), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_relative_path_the_file_system_disagrees_with_is_not_used() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("real/deep/svc")).unwrap();
        std::fs::create_dir_all(root.join("gitops-rs/gitops-gen")).unwrap();
        std::os::unix::fs::symlink(root.join("real/deep"), root.join("link")).unwrap();
        let target = root.join("gitops-rs/gitops-gen");
        assert_eq!(
            relative_path(&root.join("real/deep/svc"), &target),
            Some(PathBuf::from("../../../gitops-rs/gitops-gen"))
        );
        // `link/svc/..` is `real/deep` on disk, not `link`'s parent.
        assert_eq!(relative_path(&root.join("link/svc"), &target), None);
    }

    #[test]
    fn credentials_stay_out_of_what_init_writes() {
        assert_eq!(without_credentials("https://me:tok@host/org/x.git"), "https://host/org/x.git");
        assert_eq!(without_credentials("https://host/org/x.git"), "https://host/org/x.git");
        assert_eq!(without_credentials("ssh://git@host/org/x.git"), "ssh://git@host/org/x.git");
    }

    #[test]
    fn git_urls_as_cargo_takes_them() {
        assert_eq!(cargo_git_url("git@host:org/gitops-rs.git"), "ssh://git@host/org/gitops-rs.git");
        assert_eq!(cargo_git_url("https://host/org/gitops-rs"), "https://host/org/gitops-rs");
        assert_eq!(cargo_git_url("/srv/git/gitops-rs.git"), "file:///srv/git/gitops-rs.git");
    }

    /// Where the default source comes from: a checkout's remote at its
    /// commit, the checkout itself without one, cargo's install record for
    /// a binary built in cargo's Git cache, else a version.
    #[test]
    fn the_default_source_is_what_the_binary_came_from() {
        let root = tempfile::tempdir().unwrap();
        // Enough of a checkout for `is_checkout`.
        let fake_checkout = |dir: &Path| {
            for krate in ["gitops-types", "gitops-gen"] {
                fs::create_dir_all(dir.join(krate)).unwrap();
                fs::write(dir.join(krate).join("Cargo.toml"), "").unwrap();
            }
        };
        let checkout = root.path().join("gitops-rs");
        fake_checkout(&checkout);
        let git = gitops_gen::foundation::git::Git::new()
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1");
        let run = |args: &[&str]| git.run(&checkout, args).unwrap();
        run(&["init", "--quiet"]);
        assert_eq!(Source::default_for(&checkout, None), Source::Checkout(checkout.clone()));

        run(&["add", "."]);
        run(&["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "x"]);
        run(&["remote", "add", "origin", "git@host:org/gitops-rs.git"]);
        let head = run(&["rev-parse", "HEAD"]).trim().to_owned();
        let from_remote = Source::Git {
            url: "ssh://git@host/org/gitops-rs.git".into(),
            pin: GitPin::Rev(head.clone()),
        };
        assert_eq!(Source::default_for(&checkout, None), from_remote);
        // No remote branch holds the commit yet: said.
        let warning =
            unpushed(&checkout, &from_remote).expect("an unpushed commit is warned about");
        assert!(warning.contains(&format!("commit {head} is on no branch of")), "{warning}");
        assert_eq!(
            from_remote.install_command(),
            format!("cargo install --locked --git ssh://git@host/org/gitops-rs.git --rev {head} cargo-gitops")
        );

        // Built by `cargo install --git`: the checkout is cargo's own copy,
        // and the install root's record names the repository.
        let cached = root.path().join("cargo/git/checkouts/gitops-rs-0123/abcdef0");
        fake_checkout(&cached);
        let install_root = root.path().join("cargo");
        assert_eq!(
            Source::default_for(&cached, Some(&install_root)),
            Source::Version(env!("CARGO_PKG_VERSION").into())
        );
        fs::create_dir_all(&install_root).unwrap();
        fs::write(
            install_root.join(".crates2.json"),
            r#"{"installs":{"other 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)":{},"cargo-gitops 0.1.0 (git+https://host/org/gitops-rs?tag=v0.1.0#0123abcd)":{"bins":["cargo-gitops"]}}}"#,
        )
        .unwrap();
        assert_eq!(
            Source::default_for(&cached, Some(&install_root)),
            Source::Git {
                url: "https://host/org/gitops-rs".into(),
                pin: GitPin::Rev("0123abcd".into())
            }
        );
    }

    #[test]
    fn what_an_existing_dependency_lacks() {
        let doc: toml_edit::DocumentMut = r#"
a = "1"
b = { version = "1", features = ["derive"] }
c = { workspace = true }
d = "0.8"
"#
        .parse()
        .unwrap();
        assert!(lacks("serde", &doc["a"]).unwrap().contains("derive"));
        assert_eq!(lacks("serde", &doc["b"]), None);
        assert!(lacks("serde", &doc["c"]).unwrap().contains("workspace"));
        assert!(lacks("schemars", &doc["d"]).unwrap().contains("schemars 1"));
        assert_eq!(lacks("schemars", &doc["a"]), None);
    }
}
