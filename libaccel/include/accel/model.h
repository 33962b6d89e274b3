/* SPDX-License-Identifier: MIT */
/*
 * libaccel models: load an ONNX model, compile it for the SNPU and run it.
 *
 * The flow is one way (libaccel/src/model/): import (ONNX, parsed with the
 * protobuf-c code generated from the system onnx.proto) -> graph IR with
 * shape inference -> passes (constant folding, BatchNormalization folding,
 * dead-node removal, layout, fusion into the device's epilogue, Pad into
 * Conv, views) -> memory plan (weights preloaded once into DEVICE buffers,
 * one arena for every intermediate tensor, liveness-based offsets) -> lower
 * (the libaccel command encoder) -> run (one submit per inference of a
 * whole batch; nodes the device cannot run are executed by the CPU
 * reference inside the same plan, and are the only split points).
 *
 * Threads: an accel_model may be run from several threads at once (each
 * run takes its own in-flight slot); an accel_model_job belongs to the
 * thread that waits on it, but may be waited on from any one thread.
 */
#ifndef ACCEL_MODEL_H
#define ACCEL_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "accel/status.h"
#include "accel/device.h"
#include "accel/buffer.h"
#include "accel/group.h"
#include "accel/pipeline.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct accel_model accel_model;
typedef struct accel_model_job accel_model_job;
typedef struct accel_scheduler accel_scheduler;
typedef struct accel_model_io accel_model_io;

/* Numeric precision the compiler lowers the model to. */
typedef enum accel_precision {
	ACCEL_PRECISION_FP32 = 0,
	ACCEL_PRECISION_FP16 = 1,
	ACCEL_PRECISION_INT8 = 2,	/* post-training quantization (calibration) */
	ACCEL_PRECISION_MIXED = 3,	/* int8 where the error bound allows */
	ACCEL_PRECISION_COUNT
} accel_precision;

/* "fp32", "fp16", "int8" or "mixed"; NULL for a value that is none of them. */
ACCEL_API const char *accel_precision_name(accel_precision p);

/* The precision accel_precision_name() calls s: ACCEL_OK, or
 * ACCEL_ERR_INVALID_ARG (message: s and the valid names) and *p unchanged. */
ACCEL_API accel_status accel_precision_from_name(const char *s, accel_precision *p);

/* Flags of accel_model_options. */
#define ACCEL_MODEL_CPU_ONLY	(1u << 0)	/* every node on the CPU reference */
#define ACCEL_MODEL_NO_FUSION	(1u << 1)	/* keep epilogue ops as separate commands */
#define ACCEL_MODEL_PROFILE	(1u << 2)	/* per-layer device timestamps (profile) */
#define ACCEL_MODEL_NO_SRAM	(1u << 3)	/* arena in DRAM even when it fits the SRAM */
#define ACCEL_MODEL_NCHW_ONLY	(1u << 4)	/* no layout pass: every tensor NCHW */
#define ACCEL_MODEL_FLAGS	(ACCEL_MODEL_CPU_ONLY | ACCEL_MODEL_NO_FUSION | ACCEL_MODEL_PROFILE | \
				 ACCEL_MODEL_NO_SRAM | ACCEL_MODEL_NCHW_ONLY)

/*
 * Options of accel_model_load_*. Zero-initialise, then set struct_size to
 * sizeof(accel_model_options) (ACCEL_MODEL_OPTIONS_INIT does both); NULL
 * means all defaults. Fields added later go before reserved[] and are
 * zero = default.
 */
typedef struct accel_model_options {
	uint32_t struct_size;
	uint32_t flags;			/* ACCEL_MODEL_* */
	uint32_t batch;			/* symbolic batch dim; 0 = 1 */
	uint32_t max_inflight;		/* runs in flight per device; 0 = 2 */
	accel_precision precision;
	int32_t priority;		/* of runs: higher first; 0 = normal; also the
					 * device's job priority: > 0 HIGH (the driver
					 * needs CAP_SYS_NICE), < 0 LOW */
	const char *calibration;	/* .npy file or directory of them (int8/mixed);
					 * a model with several graph inputs: a
					 * directory holding <input name>.npy for each */
	float max_error;		/* mixed: bound on the output error */
	uint32_t pad0;
	const char *cache_dir;		/* compiled-model cache; NULL = none */
	accel_scheduler *scheduler;	/* shared dispatch of submits; NULL = own */
	uint32_t calibration_method;	/* ACCEL_CALIB_*; 0 = min/max */
	float percentile;		/* ACCEL_CALIB_PERCENTILE: 0 = 99.99 */
	/* Progress of long compile steps (calibration, the mixed search): called
	 * on the loading thread with the step's name, items done and the total
	 * (0 while unknown). NULL = silent. */
	void (*progress)(void *user, const char *step, uint64_t done, uint64_t total);
	void *progress_user;
	/* Calibration data per graph input (int8), instead of `calibration`:
	 * n_calibration_inputs entries, one for every graph input, each item
	 * count the same. NULL/0 = use `calibration`. */
	const struct accel_calibration_input *calibration_inputs;
	uint32_t n_calibration_inputs;
	uint32_t pad1;
	uint64_t reserved[2];
} accel_model_options;

/* One graph input's calibration data: a .npy file (or a directory of them,
 * read in name order) of [N, input dims...] (N items; one item without the
 * leading N; flat data of a whole number of items is accepted too). */
typedef struct accel_calibration_input {
	const char *name;		/* graph input */
	const char *path;
} accel_calibration_input;

/* Calibration methods (int8/mixed): the activation range is the observed
 * min/max, or the central `percentile` % of the observed values. */
#define ACCEL_CALIB_MINMAX	0u
#define ACCEL_CALIB_PERCENTILE	1u

#define ACCEL_MODEL_OPTIONS_INIT { .struct_size = sizeof(accel_model_options) }

/* Load from a file (external data files are looked up next to it) or from
 * memory (name is used in messages; external data relative to base_dir,
 * which may be NULL). Compiles for the device, preloads the weights. */
ACCEL_API accel_status accel_model_load_file(accel_device *dev, const char *path,
					     const accel_model_options *opts, accel_model **out);
ACCEL_API accel_status accel_model_load_memory(accel_device *dev, const void *data, size_t size,
					       const char *name, const char *base_dir,
					       const accel_model_options *opts, accel_model **out);
/* Data parallel on a group: each device holds its own copy of the weights
 * and a batch is split across the devices. */
ACCEL_API accel_status accel_model_load_file_group(accel_group *group, const char *path,
						   const accel_model_options *opts,
						   accel_model **out);
ACCEL_API void accel_model_free(accel_model *model);

/* Graph inputs and outputs. */
typedef struct accel_tensor_info {
	const char *name;	/* owned by the model */
	uint32_t dtype;		/* accel_dtype of the graph I/O (fp32) */
	uint32_t rank;
	uint64_t dim[8];	/* batch dim resolved to the compiled batch */
} accel_tensor_info;

ACCEL_API size_t accel_model_input_count(const accel_model *model);
ACCEL_API size_t accel_model_output_count(const accel_model *model);
ACCEL_API accel_status accel_model_input_info(const accel_model *model, size_t i,
					      accel_tensor_info *info);
ACCEL_API accel_status accel_model_output_info(const accel_model *model, size_t i,
					       accel_tensor_info *info);
/* Index of the input/output called name, or ACCEL_ERR_NOT_FOUND. */
ACCEL_API accel_status accel_model_find_input(const accel_model *model, const char *name,
					      size_t *index);
ACCEL_API accel_status accel_model_find_output(const accel_model *model, const char *name,
					       size_t *index);

/*
 * Run one inference of `batch` items (1..compiled batch): inputs[i] points at
 * the i-th graph input, outputs[i] receives the i-th output, both packed
 * fp32 in the graph's layout. Synchronous.
 */
ACCEL_API accel_status accel_model_run(accel_model *model, uint32_t batch,
				       const float *const *inputs, float *const *outputs);

/*
 * Streaming over a large input set: `items` items (any number; the last
 * batch may be partial) in batches of the compiled batch, results in
 * order. inputs[i] / outputs[i] hold every item, packed fp32 (a graph
 * I/O without a batch dim: copied whole; then items must equal the
 * compiled batch). On one device with the whole plan on it, the batches
 * go through the double-buffered pipeline (accel_pipeline_run, `depth`
 * pinned input/output buffer pairs, 0 = 2, on queue 0 in the model's
 * arena, bypassing the scheduler): the host copies batch b+1 in and
 * batch b-1 out while the device runs batch b. A plan with CPU steps, a
 * model on a group or one loaded with ACCEL_MODEL_PROFILE runs the batches
 * one after another (a group splits each across its devices; the profile
 * is the last batch's). stats (may be NULL) as accel_pipeline_run's.
 */
ACCEL_API accel_status accel_model_stream(accel_model *model, uint64_t items,
					  const float *const *inputs, float *const *outputs,
					  unsigned int depth, accel_pipeline_stats *stats);

/*
 * In place (no copy for the caller): acquire one of the model's in-flight
 * slots, write the inputs straight into its pinned host buffers, run, read
 * the outputs from its pinned buffers, release. Pointers stay valid until
 * the release; packed fp32, the compiled batch's size. One device only.
 */
ACCEL_API accel_status accel_model_io_acquire(accel_model *model, accel_model_io **io);
ACCEL_API float *accel_model_io_input(accel_model_io *io, size_t i);
ACCEL_API float *accel_model_io_output(accel_model_io *io, size_t i);
ACCEL_API accel_status accel_model_io_run(accel_model_io *io, uint32_t batch);
ACCEL_API void accel_model_io_release(accel_model_io *io);

/*
 * Asynchronous: the inputs are copied before the call returns; outputs
 * are written when the job completes; cb (may be NULL) runs on a
 * scheduler thread when it has, and may release the job. Requests wait in
 * the model's scheduler (options.scheduler, shared by the models that
 * name it, else one of the model's own): the highest priority first and,
 * within one priority, the shortest predicted first (the timing model's
 * cycles of the compiled plan), a request's claim growing with its wait
 * (aging) so long ones are not starved.
 */
typedef void (*accel_model_callback)(accel_model_job *job, accel_status status, void *user);
ACCEL_API accel_status accel_model_submit(accel_model *model, uint32_t batch,
					  const float *const *inputs, float *const *outputs,
					  accel_model_callback cb, void *user,
					  accel_model_job **job);
/* The job's status once it ended; ACCEL_ERR_TIMEOUT if it has not ended
 * within timeout_ns (relative; < 0 = forever). */
ACCEL_API accel_status accel_model_job_wait(accel_model_job *job, int64_t timeout_ns);
ACCEL_API void accel_model_job_release(accel_model_job *job);

/*
 * A dispatcher shared by models: `running` requests execute at once (each
 * on its own thread; 0 = 1), the rest wait in its queue. aging_per_ms:
 * predicted cycles a waiting request's cost is lowered by per millisecond
 * waited (0 = 1000000). Destroy it after the models that use it.
 */
ACCEL_API accel_status accel_scheduler_create(uint32_t running, uint64_t aging_per_ms,
					      accel_scheduler **out);
ACCEL_API void accel_scheduler_destroy(accel_scheduler *sched);

/* Human-readable reports (owned by the model, valid until it is freed):
 * the placement of every node (device or CPU, and why), the memory plan
 * (peak bytes against the max-live-set lower bound), predicted cycles. */
ACCEL_API const char *accel_model_report(const accel_model *model);

/* Figures of the compiled plan, for tools and benchmarks. */
typedef struct accel_model_stats {
	uint32_t struct_size;
	uint32_t nodes;			/* after the passes */
	uint32_t device_nodes, cpu_nodes;
	uint32_t jobs_per_run;		/* 1 when every node is on the device */
	uint32_t commands_per_run;
	uint64_t weight_bytes;		/* preloaded once */
	uint64_t arena_bytes;		/* memory plan peak */
	uint64_t arena_lower_bound;	/* max live set */
	uint64_t predicted_cycles;	/* timing model, one run of the compiled batch */
	uint64_t reserved[8];
} accel_model_stats;

ACCEL_API accel_status accel_model_get_stats(const accel_model *model, accel_model_stats *stats);

/*
 * Profiles (a model loaded with ACCEL_MODEL_PROFILE): the last run's
 * per-layer device time (TIMESTAMP commands) and predicted cycles (the
 * timing model) as a table (owned by the model, valid until the next run
 * or free; NULL with an error otherwise), and as Chrome trace-event JSON
 * (chrome://tracing, Perfetto): one track per device and queue with one
 * slice per layer and DMA, and the host's compile and run stages.
 */
ACCEL_API const char *accel_model_profile(const accel_model *model);
ACCEL_API accel_status accel_model_write_trace(const accel_model *model, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* ACCEL_MODEL_H */
