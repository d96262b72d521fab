//! Writing and checking: bytes only change when the chart does, user files
//! are never touched, and `check` catches a hand-edited chart.

use gitops_gen::Outputs;
use gitops_gen::{Chart, Error};
use gitops_tests::fixtures::{Shop, Worker};
use gitops_tests::scratch_dir;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Barrier;
use std::time::SystemTime;

fn shop() -> Chart {
    Chart::new("shop").image("ghcr.io/acme/shop").config::<Shop>()
}

fn mtimes(dir: &Path) -> Vec<(String, SystemTime)> {
    let mut out = Vec::new();
    for entry in walk(dir) {
        out.push((entry.display().to_string(), fs::metadata(&entry).unwrap().modified().unwrap()));
    }
    out.sort();
    out
}

/// Every file and directory under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            entries.extend(walk(&path));
        }
        entries.push(path);
    }
    entries
}

#[test]
fn a_second_generation_changes_no_byte_and_no_mtime() {
    let dir = scratch_dir("write-idempotent");
    let first = shop().write(&Outputs::chart(&dir)).unwrap().chart;
    assert!(first.written.contains(&"values.yaml".to_string()));
    let before = mtimes(&dir);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let second = shop().write(&Outputs::chart(&dir)).unwrap().chart;
    assert!(second.written.is_empty(), "rewrote {:?}", second.written);
    assert_eq!(second.unchanged.len(), first.written.len());
    assert_eq!(mtimes(&dir), before);
}

/// cargo and rust-analyzer run the same build script at once (on different
/// target directories) into the same `chart/`. Identical writers racing must
/// all succeed and leave exactly the chart: no torn file, no temporary file,
/// no emptied directory.
#[test]
fn identical_writers_racing_all_succeed_and_leave_exactly_the_chart() {
    const WRITERS: usize = 8;
    const ROUNDS: usize = 50;
    let worker = Chart::new("shop").image("ghcr.io/acme/shop").config::<Worker>();
    let expected = worker.generate().unwrap().chart;
    // Every file and every directory the chart has, relative to its root.
    let mut expected_entries = BTreeSet::new();
    for path in expected.keys() {
        let ancestors = Path::new(path).ancestors().filter(|a| !a.as_os_str().is_empty());
        expected_entries.extend(ancestors.map(Path::to_path_buf));
    }
    let dir = scratch_dir("write-race");
    for round in 0..ROUNDS {
        fs::remove_dir_all(&dir).unwrap();
        fs::create_dir_all(&dir).unwrap();
        // Odd rounds start from the previous version of the chart, so
        // rewrites, stale-file removal and emptied-directory removal race
        // too; even rounds start empty, so directory creation races.
        let from_previous = round % 2 == 1;
        if from_previous {
            shop().write(&Outputs::chart(&dir)).unwrap();
        }
        let barrier = Barrier::new(WRITERS);
        let results: Vec<_> = std::thread::scope(|s| {
            let writers: Vec<_> = (0..WRITERS)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        worker.write(&Outputs::chart(&dir))
                    })
                })
                .collect();
            writers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        let mut written = BTreeSet::new();
        let mut removed = BTreeSet::new();
        for result in results {
            let report =
                result.unwrap_or_else(|e| panic!("round {round}: a writer failed: {e}")).chart;
            written.extend(report.written);
            removed.extend(report.removed);
        }
        // The round did write (and remove), so the writers really raced.
        assert!(written.contains("values.yaml"), "round {round}: wrote {written:?}");
        assert_eq!(!removed.is_empty(), from_previous, "round {round}: removed {removed:?}");

        let entries: BTreeSet<_> =
            walk(&dir).into_iter().map(|p| p.strip_prefix(&dir).unwrap().to_owned()).collect();
        assert_eq!(entries, expected_entries, "round {round}: not exactly the chart's files");
        for (path, content) in &expected {
            assert!(
                fs::read(dir.join(path)).unwrap() == content.as_bytes(),
                "round {round}: {path} differs from a single write's"
            );
        }
    }
}

/// A chart file gets the mode any new file gets (0666 less the umask), not a
/// temporary file's private 0600.
#[cfg(unix)]
#[test]
fn written_files_get_the_mode_of_any_new_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch_dir("write-mode");
    shop().write(&Outputs::chart(&dir)).unwrap();
    fs::write(dir.join("probe"), "").unwrap();
    let mode =
        |path: &str| format!("{:o}", fs::metadata(dir.join(path)).unwrap().permissions().mode());
    assert_eq!(mode("values.yaml"), mode("probe"));
    assert_eq!(mode("templates/deployment.yaml"), mode("probe"));
}

#[test]
fn output_is_deterministic() {
    assert_eq!(shop().generate().unwrap().chart, shop().generate().unwrap().chart);
}

#[test]
fn check_fails_on_a_hand_edit_and_passes_after_regeneration() {
    let dir = scratch_dir("write-check");
    shop().write(&Outputs::chart(&dir)).unwrap();
    shop().check(&Outputs::chart(&dir)).unwrap();

    let values = dir.join("values.yaml");
    let edited = fs::read_to_string(&values).unwrap().replace("replicaCount: 1", "replicaCount: 2");
    fs::write(&values, edited).unwrap();
    let err = shop().check(&Outputs::chart(&dir)).unwrap_err();
    let Error::Stale { diff, .. } = &err else { panic!("expected Stale, got {err}") };
    assert!(diff.contains("-replicaCount: 2") && diff.contains("+replicaCount: 1"), "{diff}");
    assert!(err.to_string().contains("values.yaml"));

    fs::remove_file(dir.join("templates/service.yaml")).unwrap();
    assert!(shop()
        .check(&Outputs::chart(&dir))
        .unwrap_err()
        .to_string()
        .contains("templates/service.yaml"));

    let report = shop().write(&Outputs::chart(&dir)).unwrap().chart;
    assert_eq!(report.written, ["templates/service.yaml", "values.yaml"]);
    shop().check(&Outputs::chart(&dir)).unwrap();
}

#[test]
fn user_files_are_never_overwritten_or_deleted() {
    let dir = scratch_dir("write-user-files");
    fs::write(dir.join("values-prod.yaml"), "replicaCount: 5\n").unwrap();
    fs::create_dir_all(dir.join("templates")).unwrap();
    fs::write(dir.join("templates/extra.yaml"), "# mine\n").unwrap();
    fs::write(dir.join("values.yaml"), "# hand-written\nreplicaCount: 2\n").unwrap();

    let err = shop().write(&Outputs::chart(&dir)).unwrap_err();
    assert!(matches!(err, Error::NotGenerated { .. }), "{err}");
    assert!(err.to_string().contains("values.yaml"), "{err}");
    assert_eq!(
        fs::read_to_string(dir.join("values.yaml")).unwrap(),
        "# hand-written\nreplicaCount: 2\n"
    );
    assert!(!dir.join("Chart.yaml").exists(), "nothing is written when any file is the user's");

    fs::remove_file(dir.join("values.yaml")).unwrap();
    shop().write(&Outputs::chart(&dir)).unwrap();
    assert_eq!(fs::read_to_string(dir.join("values-prod.yaml")).unwrap(), "replicaCount: 5\n");
    assert_eq!(fs::read_to_string(dir.join("templates/extra.yaml")).unwrap(), "# mine\n");
}

#[test]
fn a_json_file_not_listed_in_the_manifest_is_the_users() {
    let dir = scratch_dir("write-user-schema");
    fs::write(dir.join("values.schema.json"), "{}\n").unwrap();
    let err = shop().write(&Outputs::chart(&dir)).unwrap_err();
    assert!(err.to_string().contains("values.schema.json"), "{err}");
    assert_eq!(fs::read_to_string(dir.join("values.schema.json")).unwrap(), "{}\n");
}

#[test]
fn files_no_longer_generated_are_removed_but_user_files_stay() {
    let dir = scratch_dir("write-stale");
    shop().write(&Outputs::chart(&dir)).unwrap();
    fs::write(dir.join("templates/mine.yaml"), "# mine\n").unwrap();
    // The worker has no port and no secret: its chart has no Service and what
    // hangs on one, no monitors, and no ExternalSecret or SealedSecret.
    let report = Chart::new("shop")
        .image("ghcr.io/acme/shop")
        .config::<Worker>()
        .write(&Outputs::chart(&dir))
        .unwrap()
        .chart;
    assert_eq!(
        report.removed,
        [
            "templates/externalsecret.yaml",
            "templates/httproute.yaml",
            "templates/ingress.yaml",
            "templates/podmonitor.yaml",
            "templates/sealedsecret.yaml",
            "templates/service.yaml",
            "templates/servicemonitor.yaml",
            "templates/tests/test-connection.yaml"
        ]
    );
    assert!(!dir.join("templates/service.yaml").exists());
    assert!(!dir.join("templates/tests").exists(), "an emptied generated directory goes too");
    assert!(dir.join("templates/mine.yaml").exists());
}

#[test]
fn bad_chart_input_is_an_error_not_a_panic() {
    let dir = scratch_dir("write-bad-input");
    for (chart, needle) in [
        (Chart::new("Not A Name").image("x").config::<Worker>(), "Not A Name"),
        (Chart::new("ok").config::<Worker>(), "image"),
        (Chart::new("ok").image("x").version("1.0").config::<Worker>(), "1.0"),
        (Chart::new("ok").image("x"), "config"),
    ] {
        let err = chart.write(&Outputs::chart(&dir)).unwrap_err();
        assert!(err.to_string().contains(needle), "{err}");
    }
}

#[test]
fn an_unwritable_directory_is_an_error_naming_it() {
    let dir = scratch_dir("write-unwritable");
    let blocker = dir.join("chart");
    fs::write(&blocker, "a file where the chart directory should be\n").unwrap();
    let err = shop().write(&Outputs::chart(&blocker)).unwrap_err();
    assert!(err.to_string().contains("chart"), "{err}");
    let err = shop().write(&Outputs::chart(blocker.join("sub"))).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert_eq!(
        fs::read_to_string(&blocker).unwrap(),
        "a file where the chart directory should be\n"
    );
}

/// `Chart::crds(dir)`: each CRD file in the chart's `crds/` as it is, after
/// the generated-file header, listed and drift-checked like the rest; a file
/// that is not YAML, or not a CRD, refused by name and nothing written.
#[test]
fn crds_are_carried_as_they_are_and_anything_else_is_refused() {
    let dir = scratch_dir("write-crds");
    let crds = dir.join("crds");
    fs::create_dir_all(&crds).unwrap();
    let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\n";
    fs::write(crds.join("widgets.yaml"), crd).unwrap();
    let chart = dir.join("chart");
    let with_crds = || shop().crds(&crds);
    with_crds().write(&Outputs::chart(&chart)).unwrap();
    let carried = fs::read_to_string(chart.join("crds/widgets.yaml")).unwrap();
    let (header, body) = carried.split_once('\n').unwrap();
    assert!(header.starts_with("# Code generated by gitops-gen from `"), "{header}");
    assert_eq!(body, crd);
    assert!(fs::read_to_string(chart.join(".gitops-gen-files"))
        .unwrap()
        .contains("crds/widgets.yaml\n"));
    with_crds().check(&Outputs::chart(&chart)).unwrap();
    // Without `.crds(...)` they are gone again: they were ours.
    shop().write(&Outputs::chart(&chart)).unwrap();
    assert!(!chart.join("crds/widgets.yaml").exists());

    for (file, text, said) in [
        ("widgets.json", "{}", "not a `.yaml` or `.yml` file"),
        (
            "svc.yaml",
            "apiVersion: v1\nkind: Service\n",
            "a `v1` `Service` where only apiextensions.k8s.io/v1 CustomResourceDefinitions go",
        ),
        ("broken.yaml", "a: [1\n", "not YAML"),
    ] {
        let other = dir.join(format!("crds-{file}"));
        fs::create_dir_all(&other).unwrap();
        fs::write(other.join(file), text).unwrap();
        let fresh = dir.join(format!("chart-{file}"));
        let error = shop().crds(&other).write(&Outputs::chart(&fresh)).unwrap_err().to_string();
        assert!(
            error.contains(&other.join(file).display().to_string()) && error.contains(said),
            "{error}"
        );
        assert!(!fresh.exists(), "nothing written");
    }
}
