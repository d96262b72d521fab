//! Writing and checking: bytes only change when the chart does, user files
//! are never touched, and `check` catches a hand-edited chart.

use gitops_gen::{Chart, Error};
use gitops_tests::fixtures::{Shop, Worker};
use gitops_tests::scratch_dir;
use std::fs;
use std::path::Path;
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

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn a_second_generation_changes_no_byte_and_no_mtime() {
    let dir = scratch_dir("write-idempotent");
    let first = shop().write(&dir).unwrap();
    assert!(first.written.contains(&"values.yaml".to_string()));
    let before = mtimes(&dir);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let second = shop().write(&dir).unwrap();
    assert!(second.written.is_empty(), "rewrote {:?}", second.written);
    assert_eq!(second.unchanged.len(), first.written.len());
    assert_eq!(mtimes(&dir), before);
}

#[test]
fn output_is_deterministic() {
    assert_eq!(shop().files().unwrap(), shop().files().unwrap());
}

#[test]
fn check_fails_on_a_hand_edit_and_passes_after_regeneration() {
    let dir = scratch_dir("write-check");
    shop().write(&dir).unwrap();
    shop().check(&dir).unwrap();

    let values = dir.join("values.yaml");
    let edited = fs::read_to_string(&values).unwrap().replace("replicaCount: 1", "replicaCount: 2");
    fs::write(&values, edited).unwrap();
    let err = shop().check(&dir).unwrap_err();
    let Error::Stale { diff, .. } = &err else { panic!("expected Stale, got {err}") };
    assert!(diff.contains("-replicaCount: 2") && diff.contains("+replicaCount: 1"), "{diff}");
    assert!(err.to_string().contains("values.yaml"));

    fs::remove_file(dir.join("templates/service.yaml")).unwrap();
    assert!(shop().check(&dir).unwrap_err().to_string().contains("templates/service.yaml"));

    let report = shop().write(&dir).unwrap();
    assert_eq!(report.written, ["templates/service.yaml", "values.yaml"]);
    shop().check(&dir).unwrap();
}

#[test]
fn user_files_are_never_overwritten_or_deleted() {
    let dir = scratch_dir("write-user-files");
    fs::write(dir.join("values-prod.yaml"), "replicaCount: 5\n").unwrap();
    fs::create_dir_all(dir.join("templates")).unwrap();
    fs::write(dir.join("templates/extra.yaml"), "# mine\n").unwrap();
    fs::write(dir.join("values.yaml"), "# hand-written\nreplicaCount: 2\n").unwrap();

    let err = shop().write(&dir).unwrap_err();
    assert!(matches!(err, Error::NotGenerated { .. }), "{err}");
    assert!(err.to_string().contains("values.yaml"), "{err}");
    assert_eq!(
        fs::read_to_string(dir.join("values.yaml")).unwrap(),
        "# hand-written\nreplicaCount: 2\n"
    );
    assert!(!dir.join("Chart.yaml").exists(), "nothing is written when any file is the user's");

    fs::remove_file(dir.join("values.yaml")).unwrap();
    shop().write(&dir).unwrap();
    assert_eq!(fs::read_to_string(dir.join("values-prod.yaml")).unwrap(), "replicaCount: 5\n");
    assert_eq!(fs::read_to_string(dir.join("templates/extra.yaml")).unwrap(), "# mine\n");
}

#[test]
fn a_json_file_not_listed_in_the_manifest_is_the_users() {
    let dir = scratch_dir("write-user-schema");
    fs::write(dir.join("values.schema.json"), "{}\n").unwrap();
    let err = shop().write(&dir).unwrap_err();
    assert!(err.to_string().contains("values.schema.json"), "{err}");
    assert_eq!(fs::read_to_string(dir.join("values.schema.json")).unwrap(), "{}\n");
}

#[test]
fn files_no_longer_generated_are_removed_but_user_files_stay() {
    let dir = scratch_dir("write-stale");
    shop().write(&dir).unwrap();
    fs::write(dir.join("templates/mine.yaml"), "# mine\n").unwrap();
    // The worker has no port and no secret: its chart has no Service and what
    // hangs on one, and no ExternalSecret.
    let report =
        Chart::new("shop").image("ghcr.io/acme/shop").config::<Worker>().write(&dir).unwrap();
    assert_eq!(
        report.removed,
        [
            "templates/externalsecret.yaml",
            "templates/httproute.yaml",
            "templates/ingress.yaml",
            "templates/service.yaml",
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
        let err = chart.write(&dir).unwrap_err();
        assert!(err.to_string().contains(needle), "{err}");
    }
}

#[test]
fn an_unwritable_directory_is_an_error_naming_it() {
    let dir = scratch_dir("write-unwritable");
    let blocker = dir.join("chart");
    fs::write(&blocker, "a file where the chart directory should be\n").unwrap();
    let err = shop().write(&blocker).unwrap_err();
    assert!(err.to_string().contains("chart"), "{err}");
    let err = shop().write(blocker.join("sub")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert_eq!(
        fs::read_to_string(&blocker).unwrap(),
        "a file where the chart directory should be\n"
    );
}
