//! The deployment examples under `deploy/` are real files: parsed, their fields that matter
//! checked (Indexed completion, parallelism, the shard count in the command line, the Secret,
//! the resources, the pipeline mount), and their command lines run — with the pipeline of
//! their ConfigMap pointed at this checkout and a local output — as Kubernetes and Argo would
//! run them: every shard, then finalize, to a complete job.

use crate::common;

use std::path::Path;

use common::*;
use serde_yaml::Value;

fn yaml(rel: &str) -> Value {
    let path = repo().join("deploy").join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{rel} is not YAML: {e}"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_sequence()
        .unwrap_or_else(|| panic!("not a list: {v:?}"))
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

/// The value following `flag` in `args`.
fn after<'a>(args: &'a [String], flag: &str) -> &'a str {
    let i = args
        .iter()
        .position(|a| a == flag)
        .unwrap_or_else(|| panic!("no {flag}"));
    &args[i + 1]
}

/// What every aftermath container must have: the Secret, resources sized from the
/// benchmark, the pipeline ConfigMap at /pipelines, machine-readable output.
fn check_container(container: &Value, volumes: &Value) {
    assert_eq!(
        container["envFrom"][0]["secretRef"]["name"].as_str(),
        Some("aftermath-s3")
    );
    let requests = &container["resources"]["requests"];
    assert_eq!(requests["cpu"].as_str(), Some("2"));
    // The bench's peak RSS on a 20000² input is under 200 MiB.
    assert_eq!(requests["memory"].as_str(), Some("512Mi"));
    let args = strings(&container["args"]);
    assert_eq!(
        after(&args, "--threads"),
        "2",
        "threads match the CPU request"
    );
    assert!(args.contains(&"--json".to_string()) && args.contains(&"--resume".to_string()));
    assert_eq!(after(&args, "--log-format"), "json");
    let mount = &container["volumeMounts"][0];
    assert_eq!(mount["mountPath"].as_str(), Some("/pipelines"));
    let volume = volumes
        .as_sequence()
        .expect("volumes")
        .iter()
        .find(|v| v["name"] == mount["name"])
        .expect("the mounted volume");
    assert_eq!(
        volume["configMap"]["name"].as_str(),
        Some("aftermath-pipeline")
    );
    let configmap = yaml("kubernetes/pipeline.yaml");
    let file = args[1]
        .strip_prefix("/pipelines/")
        .expect("pipeline under /pipelines");
    assert!(
        configmap["data"][file].is_string(),
        "the ConfigMap holds {file}"
    );
}

/// The ConfigMap's pipeline, reading this checkout's sample and writing under `out`.
fn local_pipeline(dir: &Path, out: &Path) -> String {
    let configmap = yaml("kubernetes/pipeline.yaml");
    let text = configmap["data"]["olinda.toml"].as_str().expect("pipeline");
    let text = text
        .replace("/opt/aftermath/", &format!("{}/", repo().display()))
        .replace("s3://aftermath-tiles/olinda", out.to_str().expect("utf-8"));
    let path = write_pipeline(dir, "olinda.toml", &text);
    path.to_str().expect("utf-8").to_string()
}

/// Runs a container's args with the pipeline path replaced; `env` as the scheduler sets it.
fn run_args(args: &[String], pipeline: &str, env: &[(&str, String)]) {
    let args: Vec<String> = args
        .iter()
        .map(|a| {
            if a.starts_with("/pipelines/") {
                pipeline.to_string()
            } else {
                a.clone()
            }
        })
        .collect();
    let mut cmd = aftermath();
    cmd.env_remove("JOB_COMPLETION_INDEX")
        .env_remove("AWS_BATCH_JOB_ARRAY_INDEX");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(&args).assert().success();
}

/// Runs a sharded job's command lines against this checkout as its scheduler would: for each
/// shard `i` < `n` the arguments and environment `shard(i)`, then `finalize`; no marker before
/// finalize, a completed job and no shards' leftovers after it.
fn run_job(
    n: u64,
    shard: impl Fn(u64) -> (Vec<String>, Vec<(&'static str, String)>),
    finalize: &[String],
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let pipeline = local_pipeline(dir.path(), &out);
    for i in 0..n {
        let (args, env) = shard(i);
        run_args(&args, &pipeline, &env);
    }
    assert!(!out.join("run.json").exists());
    run_args(finalize, &pipeline, &[]);
    assert!(out.join("run.json").exists(), "the job completed");
    assert!(!out
        .join("_shards")
        .join(format!("done-0-of-{n}.json"))
        .exists());
}

#[test]
fn the_kubernetes_indexed_job_and_finalize_job_run_a_sharded_job() {
    let shards = yaml("kubernetes/shards-job.yaml");
    assert_eq!(shards["kind"].as_str(), Some("Job"));
    let spec = &shards["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    let n = spec["completions"].as_u64().expect("completions");
    assert_eq!(spec["parallelism"].as_u64(), Some(n), "every shard at once");
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"].as_str(), Some("Never"));
    let container = &pod["containers"][0];
    check_container(container, &pod["volumes"]);
    let shard_args = strings(&container["args"]);
    assert_eq!(shard_args[0], "run");
    // The index comes from JOB_COMPLETION_INDEX; the count must be the Job's completions.
    assert_eq!(after(&shard_args, "--shard"), format!("/{n}"));

    let finalize = yaml("kubernetes/finalize-job.yaml");
    assert_eq!(finalize["kind"].as_str(), Some("Job"));
    let pod = &finalize["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    check_container(container, &pod["volumes"]);
    let finalize_args = strings(&container["args"]);
    assert_eq!(finalize_args[0], "finalize");
    assert_eq!(finalize_args[1], shard_args[1], "the same pipeline");

    // As Kubernetes runs them: each pod with its index, then finalize.
    run_job(
        n,
        |i| {
            (
                shard_args.clone(),
                vec![("JOB_COMPLETION_INDEX", i.to_string())],
            )
        },
        &finalize_args,
    );
}

#[test]
fn the_argo_workflow_fans_out_the_shards_then_finalizes() {
    let wf = yaml("argo/workflow.yaml");
    assert_eq!(wf["kind"].as_str(), Some("Workflow"));
    let spec = &wf["spec"];
    let n: u64 = spec["arguments"]["parameters"][0]["value"]
        .as_str()
        .expect("shards")
        .parse()
        .expect("a number");
    assert_eq!(
        spec["arguments"]["parameters"][0]["name"].as_str(),
        Some("shards")
    );
    let templates = spec["templates"].as_sequence().expect("templates");
    let named = |name: &str| {
        templates
            .iter()
            .find(|t| t["name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("template {name}"))
    };
    let entry = named(spec["entrypoint"].as_str().expect("entrypoint"));
    let tasks = entry["dag"]["tasks"].as_sequence().expect("dag tasks");
    let task = |name: &str| {
        tasks
            .iter()
            .find(|t| t["name"].as_str() == Some(name))
            .expect(name)
    };
    assert_eq!(
        task("shard")["withSequence"]["count"].as_str(),
        Some("{{workflow.parameters.shards}}")
    );
    assert_eq!(
        task("shard")["arguments"]["parameters"][0]["value"].as_str(),
        Some("{{item}}")
    );
    assert_eq!(strings(&task("finalize")["dependencies"]), vec!["shard"]);

    let shard = named("shard");
    check_container(&shard["container"], &spec["volumes"]);
    let shard_args = strings(&shard["container"]["args"]);
    assert_eq!(shard_args[0], "run");
    assert_eq!(
        after(&shard_args, "--shard"),
        "{{inputs.parameters.index}}/{{workflow.parameters.shards}}"
    );
    let finalize = named("finalize");
    check_container(&finalize["container"], &spec["volumes"]);
    let finalize_args = strings(&finalize["container"]["args"]);
    assert_eq!(finalize_args[0], "finalize");
    assert_eq!(finalize_args[1], shard_args[1], "the same pipeline");

    // As Argo runs them: the parameters substituted, every shard, then finalize.
    let substituted = |i: u64| -> Vec<String> {
        shard_args
            .iter()
            .map(|a| {
                a.replace("{{inputs.parameters.index}}", &i.to_string())
                    .replace("{{workflow.parameters.shards}}", &n.to_string())
            })
            .collect()
    };
    run_job(n, |i| (substituted(i), Vec::new()), &finalize_args);
}
