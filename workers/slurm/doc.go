// Package slurm is the workers.Backend that runs a study on a Slurm cluster
// as job arrays.
//
// The engine submits tasks; the backend gathers them for a moment, packs
// them into chunks of RunsPerTask runs, writes each chunk's run specs to a
// folder shared with the compute nodes and submits one `sbatch --array`
// job, one array task per chunk (more than one job when the chunks exceed
// MaxArraySize). Each array task runs `mdtwin worker --dir DIR --task N`
// (see RunTask): it runs its chunk's runs on the node's cores with the
// in-process pool and writes their results in parts, each part written to
// a temporary file and renamed, so a part is either whole or absent.
//
// The backend polls the cluster (squeue) and the shared folder. Results are
// delivered as they appear. When an array task has left the queue — done,
// failed, cancelled, out of time — every run of its chunk without a result
// is reported Lost, and the engine's retry puts just those runs into a new
// job. Results do not depend on the packing: a run's result depends only on
// its RunSpec, so results.csv is byte-identical to the in-process backend's.
//
// The submitted jobs are recorded in the study's journal (its ledger):
// after the scheduler is killed, `mdtwin run --resume` re-attaches to jobs
// still queued or running, and collects what finished meanwhile, instead of
// submitting those runs again. Close cancels (scancel) the jobs still
// active, so Ctrl-C stops the cluster work too.
//
// Layout of the shared folder, one sub-folder per submitted job:
//
//	sub-0001/job.sh                  the batch script
//	sub-0001/chunks.json             the run indices of each chunk
//	sub-0001/chunk-00000.in          the chunk's run specs (gob)
//	sub-0001/chunk-00000.part-0000   results, in parts (gob)
//	sub-0001/logs/task-0.out         the task's stdout and stderr
//
// It shells out to sbatch, squeue, scontrol and scancel (no slurmrestd,
// which sites often disable); tests put fake scripts of those names first
// on PATH.
package slurm
