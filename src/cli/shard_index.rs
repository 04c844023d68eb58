//! `--shard /N`: the shard index from the scheduler's environment (Kubernetes Indexed Jobs,
//! AWS Batch array jobs).

use crate::error::Error;
use crate::tiling::Shard;

/// The shard to build: the index given, or the scheduler's array index from the environment.
pub(super) fn resolve_shard((index, count): (Option<usize>, usize)) -> Result<Shard, Error> {
    const INDEX_VARIABLES: [&str; 2] = ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"];
    let index = match index {
        Some(i) => i,
        None => {
            let found = INDEX_VARIABLES
                .iter()
                .find_map(|v| std::env::var(v).ok().map(|value| (*v, value)));
            let Some((variable, value)) = found else {
                return Err(Error::ShardUsage(format!(
                    "--shard /{count} takes the index from {}, and none is set; give --shard I/{count}",
                    INDEX_VARIABLES.join(" or ")
                )));
            };
            value.trim().parse().map_err(|_| {
                Error::ShardUsage(format!("{variable}={value:?} is not a shard index"))
            })?
        }
    };
    Ok(Shard::new(index, count)?)
}
