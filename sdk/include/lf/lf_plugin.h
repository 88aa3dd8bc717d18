/*
 * lf_plugin.h — the lfhost plugin ABI, version 1 (minor 2).
 *
 * A plugin is a shared object that exports exactly one symbol:
 *
 *     LF_PLUGIN_EXPORT const lf_plugin *lf_plugin_entry(const lf_host *host);
 *
 * The host dlopen()s it with RTLD_NOW|RTLD_LOCAL, calls the entry once, checks the
 * returned descriptor and registers the stages it lists. Everything a plugin needs from
 * the host comes through the `lf_host` table passed to the entry and to every stage
 * callback; a plugin never resolves symbols from the host executable.
 *
 * Compatibility rules (see docs/ABI.md for the full text):
 *  - Every struct here begins with `struct_size`, set by whoever fills the struct to
 *    sizeof() as compiled. Fields are only ever appended. A reader treats a field that
 *    lies beyond `struct_size`, or a NULL function pointer, as "not provided".
 *  - The host accepts a plugin whose abi_major equals its own and whose abi_minor is
 *    anything: an older minor simply lacks the newer fields; a newer minor's extra
 *    fields are ignored.
 *  - A breaking change gets a new entry symbol (lf_plugin_entry_v2) beside this one;
 *    hosts keep loading v1 plugins.
 *  - Fields and parameters that hold enum values are fixed-width integers: the size of
 *    a C enum is the compiler's choice (-fshort-enums), the size of uint32_t is not.
 *  - Arrays of ABI structs (stages, config options) are walked with a stride equal to
 *    the first element's struct_size, and every element must carry the same size.
 *
 * Ownership, in one sentence per kind of pointer:
 *  - Descriptor, stage and option tables, and every string in them: owned by the plugin,
 *    static, valid until the host dlclose()s the plugin (after the last `destroy`).
 *  - `lf_host`, `lf_config`, `lf_stage_ctx`: owned by the host; valid for the lifetime
 *    of the stage instance they were given to (the host table: for the process).
 *  - Strings returned by host getters: owned by the host, valid as long as the object
 *    they were read from.
 *  - Arrow structs: Arrow's release/move rules (lf_arrow.h); each callback below says
 *    whether it borrows or takes ownership.
 *  - `lf_error`: caller-owned; the callee writes a message into its buffer.
 */
#ifndef LF_PLUGIN_H
#define LF_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "lf_arrow.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- versions */

#define LF_ABI_MAJOR 1
#define LF_ABI_MINOR 2

/* "LFPL" read as a big-endian number. A descriptor without it is refused unread. */
#define LF_PLUGIN_MAGIC 0x4C46504Cu

/* The name of the v1 entry symbol, for hosts and tools that dlsym() it. */
#define LF_PLUGIN_ENTRY_SYMBOL "lf_plugin_entry"

#if defined(__GNUC__)
#define LF_PLUGIN_EXPORT __attribute__((visibility("default")))
#define LF_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define LF_PLUGIN_EXPORT
#define LF_PRINTF(fmt, args)
#endif

/* ---------------------------------------------------------------- errors */

/* Return codes. 0 is success; every failure is negative. Expectation violations are
 * data (a result column), never an error code. */
typedef enum lf_status {
  LF_OK = 0,
  LF_ERR_INVALID = -1,     /* bad argument or configuration value */
  LF_ERR_NOMEM = -2,       /* allocation failed */
  LF_ERR_IO = -3,          /* reading or writing external data failed */
  LF_ERR_SCHEMA = -4,      /* input schema not accepted (negotiate) */
  LF_ERR_UNSUPPORTED = -5, /* feature or type not supported by this stage */
  LF_ERR_DATA = -6,        /* input data that cannot be processed or rescued */
  LF_ERR_NOT_FOUND = -7,   /* a named object (file, table, secret) does not exist */
  LF_ERR_CONFLICT = -8,    /* concurrent modification; the caller may retry */
  LF_ERR_CANCELLED = -9,   /* the host asked the stage to stop */
  LF_ERR_INTERNAL = -10    /* a bug: an invariant did not hold */
} lf_status;

/* A caller-owned buffer for a one-line, human-readable message. The callee writes a
 * NUL-terminated message of at most message_cap bytes (truncating) and sets `code` to
 * the value it returns. Write it with lf_error_set() from the SDK helper library. */
typedef struct lf_error {
  uint32_t struct_size;
  int32_t code;
  char *message;
  size_t message_cap;
} lf_error;

/* ---------------------------------------------------------------- config tables */

typedef enum lf_config_type {
  LF_CONFIG_STRING = 1,
  LF_CONFIG_INT = 2,      /* 64-bit signed integer */
  LF_CONFIG_DOUBLE = 3,
  LF_CONFIG_BOOL = 4,     /* true/false (YAML 1.2 spellings) */
  LF_CONFIG_DURATION = 5, /* "10 minutes", "5s", "250ms"; read back in microseconds */
  LF_CONFIG_SIZE = 6,     /* "64MB", "1 GiB", "4096"; read back in bytes */
  LF_CONFIG_ENUM = 7,     /* one of `enum_values` */
  LF_CONFIG_LIST = 8,     /* a sequence of strings */
  LF_CONFIG_MAP = 9,      /* a mapping of string to string */
  LF_CONFIG_EXPR = 10,    /* a SQL expression (checked by the expression engine) */
  LF_CONFIG_SCHEMA = 11   /* a Spark DDL schema string */
} lf_config_type;

/* Flags of an option. */
#define LF_CONFIG_REQUIRED 0x1u /* the bundle must set it */
#define LF_CONFIG_SECRET 0x2u   /* a value that must come from ${secrets...}; redacted */
#define LF_CONFIG_HAS_MIN 0x4u  /* `min` applies (INT, DOUBLE, DURATION, SIZE) */
#define LF_CONFIG_HAS_MAX 0x8u  /* `max` applies (INT, DOUBLE, DURATION, SIZE) */

/* One typed option a stage accepts. The host validates a whole bundle against these
 * tables before any data flows, and `lfhost plugins describe` prints them. */
typedef struct lf_config_option {
  uint32_t struct_size;
  uint32_t flags;              /* LF_CONFIG_* flags */
  const char *name;            /* [a-z][a-z0-9_]*, unique within the stage */
  uint32_t type;               /* an lf_config_type (fixed width: enums are not) */
  const char *default_value;   /* as the bundle would spell it; NULL: no default */
  double min;                  /* inclusive, in the unit the getter returns */
  double max;                  /* inclusive, in the unit the getter returns */
  const char *const *enum_values; /* ENUM: NULL-terminated list of accepted values */
  const char *doc;             /* one or two sentences for `plugins describe` */
} lf_config_option;

/* An opaque, host-owned view of one stage instance's validated options. Read it with
 * the config_* functions of lf_host. */
typedef struct lf_config lf_config;

/* ---------------------------------------------------------------- logging & context */

typedef enum lf_log_level {
  LF_LOG_TRACE = 0,
  LF_LOG_DEBUG = 1,
  LF_LOG_INFO = 2,
  LF_LOG_WARN = 3,
  LF_LOG_ERROR = 4
} lf_log_level;

/* An opaque, host-owned handle naming one stage instance (pipeline, flow, stage). Pass it
 * back to logging and metrics so the host can attribute what the stage reports. */
typedef struct lf_stage_ctx lf_stage_ctx;

/* ---------------------------------------------------------------- stage kinds */

typedef enum lf_stage_kind {
  LF_STAGE_SOURCE = 1,      /* produces batches: files, queues, tables */
  LF_STAGE_TRANSFORM = 2,   /* batch in, batch out: filters, dedup, derived columns */
  LF_STAGE_EXPECTATION = 3, /* batch in, one boolean column per rule out */
  LF_STAGE_HASHER = 4,      /* column in, pseudonymised column out */
  LF_STAGE_SINK = 5         /* writes batches to a table inside the flow's transaction */
} lf_stage_kind;

/* An opaque blob with an Arrow-style release callback: the receiver owns it and calls
 * `release` once (if non-NULL). Used for source plans and operator state. */
typedef struct lf_blob {
  uint32_t struct_size;
  const void *data;
  size_t size;
  void (*release)(struct lf_blob *);
  void *private_data;
} lf_blob;

/* Identifies one micro-batch of one flow. Epochs increase by one per committed batch. */
typedef struct lf_epoch {
  uint32_t struct_size;
  uint64_t epoch;
  const char *flow_id;
  int64_t trigger_time_us; /* wall clock at the start of the epoch, microseconds UTC */
} lf_epoch;

/* SOURCE. Exactly-once works by planning first: the host persists the plan before it
 * calls `read`, and after a crash calls `read` again with the same plan. */
typedef struct lf_source_vtable {
  uint32_t struct_size;
  /* Decide what epoch `epoch` will read (e.g. the exact files, in order) and describe it
   * in `plan_out` (the host takes ownership). An empty plan (size 0) means nothing new. */
  int (*plan)(void *state, const lf_epoch *epoch, lf_blob *plan_out, lf_error *err);
  /* Read what `plan` describes as a stream of batches with the negotiated schema.
   * `plan` is borrowed for the call; `out` is filled and owned by the host. */
  int (*read)(void *state, const lf_epoch *epoch, const void *plan, size_t plan_size,
              struct ArrowArrayStream *out, lf_error *err);
  /* Optional: the epoch is durably committed; forget what it needed. */
  int (*committed)(void *state, const lf_epoch *epoch, lf_error *err);
  /* Since 1.2, optional: the source's own progress as of the end of `epoch` (e.g. the
   * files already ingested), serialised into `state_out` (the host takes ownership). The
   * host stores it with the epoch's checkpoint before the table commit. */
  int (*save_state)(void *state, const lf_epoch *epoch, lf_blob *state_out, lf_error *err);
  /* Since 1.2, optional: restore what save_state wrote (borrowed for the call), before the
   * first plan/read of a resumed flow. Not called on a fresh start. */
  int (*load_state)(void *state, const void *data, size_t size, lf_error *err);
} lf_source_vtable;

/* TRANSFORM. Stateful transforms (dedup within a watermark) checkpoint their state per
 * epoch through `save_state`/`load_state`; stateless ones leave those NULL. */
typedef struct lf_transform_vtable {
  uint32_t struct_size;
  /* Takes ownership of `in` (moved; release it, or keep it alive inside `out`) and
   * fills `out` with the result, which the host owns. An empty `out` is allowed. */
  int (*process)(void *state, const lf_epoch *epoch, struct ArrowArray *in,
                 struct ArrowArray *out, lf_error *err);
  /* Optional: emit what is still buffered at the end of an epoch. `out` may be released
   * (release == NULL) when there is nothing. */
  int (*finish_epoch)(void *state, const lf_epoch *epoch, struct ArrowArray *out,
                      lf_error *err);
  /* Optional: serialise state as of the end of `epoch` (the host owns `state_out`). */
  int (*save_state)(void *state, const lf_epoch *epoch, lf_blob *state_out, lf_error *err);
  /* Optional: restore state saved by save_state (borrowed for the call). */
  int (*load_state)(void *state, const void *data, size_t size, lf_error *err);
} lf_transform_vtable;

/* EXPECTATION. `negotiate` answers a struct schema with one non-nullable boolean child
 * per rule, named after the rule; `evaluate` fills such a struct for a batch, true where
 * the row passes. The host applies warn/drop/fail/quarantine. */
typedef struct lf_expectation_vtable {
  uint32_t struct_size;
  /* `batch` is borrowed for the call; `result` is filled and owned by the host. */
  int (*evaluate)(void *state, const struct ArrowArray *batch, struct ArrowArray *result,
                  lf_error *err);
} lf_expectation_vtable;

/* HASHER. Negotiated per column: `negotiate` receives the column's schema and answers the
 * hashed column's schema. */
typedef struct lf_hasher_vtable {
  uint32_t struct_size;
  /* `column` is borrowed for the call; `out` (same length) is owned by the host. */
  int (*hash)(void *state, const struct ArrowArray *column, struct ArrowArray *out,
              lf_error *err);
} lf_hasher_vtable;

/* An opaque, host-owned handle on the transaction of one flow epoch. */
typedef struct lf_txn lf_txn;

/* SINK. Writes through the host's table service inside the flow's transaction; the host
 * commits after `end_epoch` returns 0 and aborts otherwise. */
typedef struct lf_sink_vtable {
  uint32_t struct_size;
  int (*begin_epoch)(void *state, const lf_epoch *epoch, lf_txn *txn, lf_error *err);
  /* `batch` is borrowed for the call. */
  int (*write)(void *state, lf_txn *txn, const struct ArrowArray *batch, lf_error *err);
  int (*end_epoch)(void *state, lf_txn *txn, lf_error *err);
} lf_sink_vtable;

/* ---------------------------------------------------------------- stages */

struct lf_host;

/* One named stage. `vtable` points to the lf_*_vtable matching `kind`. */
typedef struct lf_stage {
  uint32_t struct_size;
  uint32_t kind;     /* an lf_stage_kind (fixed width: enums are not) */
  const char *name;  /* [a-z][a-z0-9_]*; unique among all loaded plugins */
  const char *doc;   /* a paragraph for `plugins describe` */
  const lf_config_option *options; /* n_options entries; may be NULL when 0 */
  uint32_t n_options;

  /* Create an instance from validated options. `*state` is the plugin's, passed back to
   * every callback and freed by `destroy`. `ctx` and `config` stay valid until destroy. */
  int (*create)(const struct lf_host *host, lf_stage_ctx *ctx, const lf_config *config,
                void **state, lf_error *err);
  /* Agree on schemas before data flows. `input` is borrowed (NULL for a SOURCE); fill
   * `output` (the host owns it) or return LF_ERR_SCHEMA with a reason. */
  int (*negotiate)(void *state, const struct ArrowSchema *input, struct ArrowSchema *output,
                   lf_error *err);
  void (*destroy)(void *state);
  const void *vtable; /* lf_source_vtable, lf_transform_vtable, ... by kind */
} lf_stage;

/* ---------------------------------------------------------------- the plugin */

typedef struct lf_plugin {
  uint32_t struct_size;
  uint32_t magic;     /* LF_PLUGIN_MAGIC */
  uint16_t abi_major; /* LF_ABI_MAJOR the plugin was built against */
  uint16_t abi_minor; /* LF_ABI_MINOR the plugin was built against */
  const char *name;   /* e.g. "lf_bronze" */
  const char *version;     /* the plugin's own version, e.g. "0.1.0" */
  const char *description; /* one line */
  const lf_stage *stages;  /* n_stages entries, strided by stages[0].struct_size */
  uint32_t n_stages;
} lf_plugin;

/* ---------------------------------------------------------------- host services */

/* Host services: declared in v1.0 so sources and sinks can be written against them; the
 * host fills `expr` since 1.1 (lf_expr.h) and `objstore` since 1.2 (lf_objstore.h);
 * `tables` is NULL until a later minor. */
typedef struct lf_objstore_api lf_objstore_api;
typedef struct lf_table_api lf_table_api;
typedef struct lf_expr_api lf_expr_api;

typedef struct lf_host {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;
  const char *host_version; /* e.g. "0.1.0" */

  /* Logging: printf-style; the host prefixes the stage and redacts secret values. */
  void (*log)(lf_stage_ctx *ctx, int32_t level, const char *fmt, ...) LF_PRINTF(3, 4);
  int (*log_enabled)(lf_stage_ctx *ctx, int32_t level); /* level: an lf_log_level */

  /* Metrics, attributed to the stage instance. Names: [a-z][a-z0-9_.]* */
  void (*counter_add)(lf_stage_ctx *ctx, const char *name, int64_t delta);
  void (*gauge_set)(lf_stage_ctx *ctx, const char *name, double value);

  /* Config getters. A getter returns LF_OK and the bundle value or the option's default,
   * LF_ERR_NOT_FOUND if neither exists, LF_ERR_INVALID if `name` is not an option of that
   * type. Strings belong to the config. Secret options read back resolved. */
  int (*config_string)(const lf_config *cfg, const char *name, const char **out);
  int (*config_int)(const lf_config *cfg, const char *name, int64_t *out);
  int (*config_double)(const lf_config *cfg, const char *name, double *out);
  int (*config_bool)(const lf_config *cfg, const char *name, int *out);
  /* DURATION options in microseconds, SIZE options in bytes. */
  int (*config_duration_us)(const lf_config *cfg, const char *name, int64_t *out);
  int (*config_size_bytes)(const lf_config *cfg, const char *name, int64_t *out);
  /* LIST options: the number of items, then item i. */
  int (*config_list_count)(const lf_config *cfg, const char *name, size_t *out);
  int (*config_list_item)(const lf_config *cfg, const char *name, size_t i, const char **out);
  /* MAP options: the number of entries, then entry i. */
  int (*config_map_count)(const lf_config *cfg, const char *name, size_t *out);
  int (*config_map_entry)(const lf_config *cfg, const char *name, size_t i, const char **key,
                          const char **value);

  /* Secrets by reference ("env.NAME", "file./path", "SCOPE.KEY"), for values that are not
   * options. Writes a NUL-terminated value into buf; never logs it. */
  int (*secret_get)(lf_stage_ctx *ctx, const char *ref, char *buf, size_t cap, lf_error *err);

  /* Optional features by versioned id, e.g. "lf.objstore/1". NULL when not provided. */
  const void *(*get_extension)(const struct lf_host *host, const char *id);

  /* Filled in later minors; NULL means not provided. objstore: since 1.2 (lf_objstore.h);
   * tables: not yet; expr: since 1.1 (lf_expr.h). */
  const lf_objstore_api *objstore;
  const lf_table_api *tables;
  const lf_expr_api *expr;
} lf_host;

/* The single exported symbol of a plugin. Called once per process, after dlopen, with
 * the host's table (valid for the process). Returns the plugin's static descriptor, or
 * NULL to refuse loading (log the reason through host->log with a NULL ctx first). */
typedef const lf_plugin *(*lf_plugin_entry_fn)(const lf_host *host);

LF_PLUGIN_EXPORT const lf_plugin *lf_plugin_entry(const lf_host *host);

/* Helpers for reading a struct that may be older or newer than these headers:
 * LF_HAS_FIELD(p, type, field) is true when `field` lies within p->struct_size. */
#define LF_HAS_FIELD(p, type, field) \
  ((p)->struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

#ifdef __cplusplus
}
#endif

#endif /* LF_PLUGIN_H */
