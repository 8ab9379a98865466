// SPDX-License-Identifier: Apache-2.0
/*
 * CityEdge driver ABI, version 1.2 (DESIGN.md §3.4).
 *
 * A driver is a shared object (external, loaded from `driver_dir`) or a static
 * library linked into the daemon (built-in). Either way it exposes one entry
 * function that returns a descriptor: what the driver is called, which
 * settings it takes, and the hooks the host calls. The host hands each driver
 * instance a table of callbacks for emitting readings and frames, logging and
 * reporting health.
 *
 * This header is a binary contract. It is plain C, includes only <stdint.h>
 * and <stddef.h>, and no C++ type or exception crosses it.
 *
 * Naming: `ce_driver_*` types, `ce_driver_on_*` hooks the driver implements,
 * `ce_host_*` callbacks the host implements.
 *
 * VERSIONING (two-sided):
 *   1. The host calls the entry with the ABI major/minor it speaks.
 *   2. The driver returns NULL when it cannot speak that major (it may also
 *      refuse a minor that is too old for a field it needs).
 *   3. The host checks the descriptor's major equals its own and that
 *      struct_size covers every field of ABI 1.0; fields added in later minors
 *      are read only when struct_size says they are present.
 *   Within a major, structs only grow at the end. Every struct a side fills
 *   starts with `struct_size` = sizeof as that side compiled it.
 *
 * LIFETIME of one instance (all on the instance's own thread unless noted):
 *   on_create -> on_start (runs until stopped or failed) -> on_destroy
 *   on_stop and on_read_now come from another thread while on_start runs.
 *   After a failure the host destroys the instance and creates a fresh one
 *   after a backoff delay.
 */
#ifndef CITYEDGE_DRIVER_ABI_H_
#define CITYEDGE_DRIVER_ABI_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The tables below are aligned by hand for reading. */
/* clang-format off */

#define CE_DRIVER_ABI_MAJOR 1u
#define CE_DRIVER_ABI_MINOR 2u

/* Symbol an external (.so) driver exports. A built-in driver exports
 * `ce_driver_entry_<name>` instead, so several can link into one binary. */
#define CE_DRIVER_ENTRY_SYMBOL "ce_driver_entry"

/* Results of hooks and callbacks. */
typedef int32_t ce_driver_result;
#define CE_DRIVER_OK 0    /* success; from on_start: stopped on request or finished */
#define CE_DRIVER_RETRY 1 /* failed, may work later (device gone, link down): restart */
#define CE_DRIVER_FATAL 2 /* failed, will not work without a config change: no restart */
#define CE_DRIVER_INVALID 3 /* a callback was given arguments it cannot accept */
#define CE_DRIVER_STOPPING 4 /* a callback was refused because the instance is stopping */

/* Setting types; the meaning of each matches the daemon's settings tables. */
typedef uint32_t ce_driver_setting_type;
#define CE_DRIVER_SETTING_STRING 0u
#define CE_DRIVER_SETTING_INT 1u      /* 64-bit integer, decimal text */
#define CE_DRIVER_SETTING_DOUBLE 2u   /* finite number */
#define CE_DRIVER_SETTING_BOOL 3u     /* "true" / "false" */
#define CE_DRIVER_SETTING_DURATION 4u /* config: "250ms", "5s"; given to the driver as integer ms */
#define CE_DRIVER_SETTING_SIZE 5u     /* config: "64KiB"; given to the driver as integer bytes */
#define CE_DRIVER_SETTING_ENUM 6u     /* one of `allowed` */
#define CE_DRIVER_SETTING_LIST 7u     /* YAML sequence; given to the driver as items joined by '\n' */
#define CE_DRIVER_SETTING_TABLE_LIST 8u /* ABI 1.2: YAML sequence of mappings, each checked against
                                           the spec's `fields`; see ce_driver_setting_value */

/* Setting flags (ABI 1.2; a 1.0/1.1 spec has none, which reads as 0). */
typedef uint32_t ce_driver_setting_flags;
#define CE_DRIVER_SETTING_FLAG_LINE_ITEMS 1u /* TABLE_LIST: an item may also be one line of
                                                "field=value field=value" text, the form lists
                                                had before 1.2; the host reads it as the
                                                mapping it spells and warns that it is
                                                deprecated */

/* Measurement quality; same meaning as cityedge.v1.Quality. */
typedef uint32_t ce_driver_quality;
#define CE_DRIVER_QUALITY_GOOD 1u
#define CE_DRIVER_QUALITY_UNCERTAIN 2u /* warming up, clamped */
#define CE_DRIVER_QUALITY_BAD 3u       /* present but known wrong */

/* Health a driver reports about its device. */
typedef uint32_t ce_driver_health;
#define CE_DRIVER_HEALTH_ONLINE 1u
#define CE_DRIVER_HEALTH_DEGRADED 2u
#define CE_DRIVER_HEALTH_OFFLINE 3u

/* Log levels; error means an operator must act. */
typedef uint32_t ce_driver_log_level;
#define CE_DRIVER_LOG_TRACE 0u
#define CE_DRIVER_LOG_DEBUG 1u
#define CE_DRIVER_LOG_INFO 2u
#define CE_DRIVER_LOG_WARN 3u
#define CE_DRIVER_LOG_ERROR 4u

/* Descriptor flags (ABI 1.1; a 1.0 descriptor has none, which reads as 0). */
typedef uint32_t ce_driver_flags;
#define CE_DRIVER_FLAG_FRAMES 1u /* emits frames: the daemon runs every instance in a
                                    sandboxed vision worker, never in its core */

/* Pixel formats of frames. */
typedef uint32_t ce_driver_pixel_format;
#define CE_DRIVER_PIXEL_BGR8 1u  /* 3 bytes per pixel, B G R */
#define CE_DRIVER_PIXEL_GRAY8 2u /* 1 byte per pixel */
#define CE_DRIVER_PIXEL_Y16 3u   /* 2 bytes per pixel, native endian; radiometric counts */

/* One setting a driver accepts.
 * A CE_DRIVER_SETTING_TABLE_LIST setting is a list of tables (a YAML sequence
 * of mappings, e.g. a register map), and `fields` declares the keys of each
 * table with the same struct: types, defaults, ranges, enums. The host
 * validates every table, reporting problems with key paths such as
 * `drivers[2].settings.registers[1].order`, and fills each table's defaults.
 * One level only: a field is never itself a TABLE_LIST. `fields` is an array
 * of `fields_count` entries laid out with the descriptor's setting_spec_size
 * stride, like the top-level table. `min`/`max` of a TABLE_LIST bound its
 * number of tables.
 * OWNERSHIP: every pointer is owned by the driver and stays valid as long as
 *   the driver is loaded (static storage in practice).
 * THREADING: immutable; read by the host from any thread. */
typedef struct ce_driver_setting_spec {
  const char* key;                /* non-NULL; lower_snake_case */
  ce_driver_setting_type type;
  uint32_t required;              /* 1: the config must give it */
  const char* default_text;       /* as written in YAML, or NULL for "no default" */
  uint32_t has_min;               /* 1: `min` applies (inclusive, on ms/bytes for */
  uint32_t has_max;               /*    durations and sizes) */
  double min;
  double max;
  const char* const* allowed;     /* CE_DRIVER_SETTING_ENUM: NULL-terminated array; else NULL */
  const char* unit;               /* documentation, e.g. "ms", "ug/m3"; may be NULL */
  const char* description;        /* one line; non-NULL */
  /* ABI 1.2: read only when the descriptor's setting_spec_size covers them. */
  const struct ce_driver_setting_spec* fields; /* TABLE_LIST: keys of each table; else NULL */
  size_t fields_count;
  ce_driver_setting_flags flags;  /* CE_DRIVER_SETTING_FLAG_* */
} ce_driver_setting_spec;

/* One validated setting of an instance, as canonical text (see the type list:
 * durations in integer ms, sizes in integer bytes, lists joined by '\n').
 * A TABLE_LIST setting `KEY` arrives flattened: `KEY` holds the number of
 * tables in decimal, and field F of table i (0-based) arrives as `KEY[i].F`
 * with the field's own canonical text; defaults are filled in per table.
 *   registers = 2, registers[0].channel = pm2_5, registers[0].addr = 3, ...
 * A 1.1 driver never sees this form, because it cannot declare a TABLE_LIST.
 * OWNERSHIP: owned by the host; valid only during on_create. Copy what you keep.
 * THREADING: read on the thread that runs on_create. */
typedef struct ce_driver_setting_value {
  const char* key;
  const char* value;
} ce_driver_setting_value;

/* What on_create is given. The host has already checked the settings against
 * the schema: every required key is present, types and ranges hold, unknown
 * keys were refused, and defaults are filled in.
 * OWNERSHIP: owned by the host; valid only during on_create.
 * THREADING: read on the thread that runs on_create. */
typedef struct ce_driver_instance_config {
  size_t struct_size;
  const char* id;   /* instance id from the config, e.g. "aq1" */
  const char* type; /* driver name */
  const ce_driver_setting_value* settings;
  size_t settings_count;
} ce_driver_instance_config;

/* A reading handed to ce_host_emit_reading.
 * OWNERSHIP: owned by the driver; the host copies what it needs before the
 *   call returns.
 * THREADING: built and passed on any driver thread. */
typedef struct ce_driver_reading {
  size_t struct_size;
  const char* channel;      /* non-NULL, e.g. "pm2_5" */
  double value;             /* finite */
  const char* unit;         /* e.g. "ug/m3"; NULL means "" */
  ce_driver_quality quality;
  int64_t capture_wall_ns;  /* CLOCK_REALTIME when measured; 0: the host stamps "now" */
  int64_t capture_mono_ns;  /* CLOCK_MONOTONIC when measured; 0: the host stamps "now" */
} ce_driver_reading;

/* Called exactly once per emitted frame when the host no longer reads `data`.
 * THREADING: any host thread, possibly before ce_host_emit_frame returns and
 *   possibly long after (a pipeline may hold the newest frame). */
typedef void (*ce_driver_on_frame_release_fn)(void* release_user, const void* data);

/* A frame handed to ce_host_emit_frame without copying the pixels.
 * OWNERSHIP: the struct itself is owned by the driver and read only during the
 *   call. `data` stays owned by the driver but must stay valid and unchanged
 *   until the host calls `release(release_user, data)`, which it does exactly
 *   once for every call of emit_frame, including refused frames. `release` may
 *   be NULL when `data` lives as long as the instance.
 * THREADING: passed on any driver thread; see release above. */
typedef struct ce_driver_frame {
  size_t struct_size;
  ce_driver_pixel_format pixel_format;
  uint32_t width;
  uint32_t height;
  size_t stride;           /* bytes from one row to the next; >= width * bytes per pixel */
  const void* data;        /* stride * height bytes */
  int64_t capture_wall_ns; /* 0: the host stamps "now" */
  int64_t capture_mono_ns; /* 0: the host stamps "now" */
  ce_driver_on_frame_release_fn release;
  void* release_user;
} ce_driver_frame;

/* Per-instance handle the host passes to every callback. Opaque to drivers.
 * OWNERSHIP: owned by the host; valid from on_create until on_destroy returns.
 * THREADING: the callbacks below accept it from any thread. */
typedef struct ce_host_context ce_host_context;

/* Host callbacks. Each returns promptly (never blocks on the network or disk)
 * except sleep_ms, which blocks for the time asked unless stop is requested.
 * THREADING: every callback may be called from any thread, concurrently. */
typedef ce_driver_result (*ce_host_emit_reading_fn)(ce_host_context* ctx,
                                                    const ce_driver_reading* reading);
typedef ce_driver_result (*ce_host_emit_frame_fn)(ce_host_context* ctx,
                                                  const ce_driver_frame* frame);
/* `message` is copied; NUL-terminated UTF-8. */
typedef void (*ce_host_log_fn)(ce_host_context* ctx, ce_driver_log_level level,
                               const char* message);
/* Device state as the driver sees it; the host turns changes into DriverStatus
 * events. `reason` is copied; may be NULL when online. */
typedef void (*ce_host_report_health_fn)(ce_host_context* ctx, ce_driver_health state,
                                         const char* reason);
/* Nonzero once the host wants the instance to stop. Cheap; poll it in loops. */
typedef int32_t (*ce_host_should_stop_fn)(ce_host_context* ctx);
/* Sleeps up to `ms`; returns nonzero (early) when stop is requested. */
typedef int32_t (*ce_host_sleep_ms_fn)(ce_host_context* ctx, uint32_t ms);
/* Tells the host how often readings should arrive, so it can report a driver
 * that falls silent. 0 (the default) turns silence detection off. */
typedef void (*ce_host_set_expected_period_fn)(ce_host_context* ctx, uint32_t period_ms);

/* The host's function table.
 * OWNERSHIP: owned by the host; valid as long as any instance of the driver
 *   exists. The driver keeps the pointer, never a copy of the struct.
 * THREADING: immutable. */
typedef struct ce_host_api {
  size_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  ce_host_emit_reading_fn emit_reading;
  ce_host_emit_frame_fn emit_frame;
  ce_host_log_fn log;
  ce_host_report_health_fn report_health;
  ce_host_should_stop_fn should_stop;
  ce_host_sleep_ms_fn sleep_ms;
  ce_host_set_expected_period_fn set_expected_period;
} ce_host_api;

/* A driver instance. Opaque to the host. */
typedef struct ce_driver_instance ce_driver_instance;

/* Hook: creates an instance from validated settings. Cheap: it should parse
 * and keep settings, not open devices (on_start does that, so failures there
 * are retried with backoff).
 * OWNERSHIP: `host`, `ctx` and `config` are owned by the host (see their types).
 *   The returned instance is owned by the driver until on_destroy. On failure
 *   return NULL and write a NUL-terminated reason into `error` (host-owned,
 *   `error_size` bytes, at least 256).
 * THREADING: on the instance's thread. */
typedef ce_driver_instance* (*ce_driver_on_create_fn)(const ce_host_api* host,
                                                      ce_host_context* ctx,
                                                      const ce_driver_instance_config* config,
                                                      char* error, size_t error_size);

/* Hook: opens the device and runs the acquisition loop until stop is requested
 * (should_stop, sleep_ms, on_stop) or the driver fails. Returns CE_DRIVER_OK on
 * a requested stop or when the source is finished (a replay file without
 * loop), CE_DRIVER_RETRY or CE_DRIVER_FATAL with a reason in `error` otherwise.
 * Must notice a stop request within 1 s; the host abandons an instance that
 * does not (and reports it).
 * OWNERSHIP: `error` as in on_create.
 * THREADING: on the instance's thread; may call any host callback. */
typedef ce_driver_result (*ce_driver_on_start_fn)(ce_driver_instance* instance, char* error,
                                                 size_t error_size);

/* Hook: asks a running instance to stop: wake a blocking read, close a socket.
 * Must return promptly and must not wait for on_start to return. The host
 * also sets the should_stop flag, so a driver that only polls the flag may
 * leave this a no-op.
 * THREADING: on a host control thread, while on_start runs on the instance
 *   thread. Never called after on_destroy has begun. */
typedef void (*ce_driver_on_stop_fn)(ce_driver_instance* instance);

/* Hook: releases the instance and everything it owns.
 * THREADING: on the instance's thread, after on_start has returned (or without
 *   on_start if the host gave up before starting). */
typedef void (*ce_driver_on_destroy_fn)(ce_driver_instance* instance);

/* Optional hook (NULL when unsupported): take one reading as soon as possible
 * and emit it through emit_reading, for calibration ("cityedge read").
 * Typically sets a flag the acquisition loop honours.
 * OWNERSHIP: `error` as in on_create.
 * THREADING: on a host control thread, concurrently with on_start. */
typedef ce_driver_result (*ce_driver_on_read_now_fn)(ce_driver_instance* instance, char* error,
                                                    size_t error_size);

/* What the entry returns.
 * OWNERSHIP: owned by the driver; must stay valid and unchanged as long as the
 *   driver is loaded (static storage).
 * THREADING: immutable; read from any host thread. */
typedef struct ce_driver_descriptor {
  size_t struct_size;
  uint32_t abi_major;  /* the ABI the driver speaks; must equal the host's major */
  uint32_t abi_minor;  /* the minor it was built against */
  const char* name;    /* registry key == folder == config `type:` == .so file stem */
  const char* version; /* driver version, e.g. "1.2.0" */
  const char* description;
  const ce_driver_setting_spec* settings; /* array of settings_count entries */
  size_t settings_count;
  size_t setting_spec_size; /* sizeof(ce_driver_setting_spec) as the driver compiled it */
  ce_driver_on_create_fn on_create;
  ce_driver_on_start_fn on_start;
  ce_driver_on_stop_fn on_stop;
  ce_driver_on_destroy_fn on_destroy;
  ce_driver_on_read_now_fn on_read_now; /* may be NULL */
  /* ABI 1.1: read only when struct_size covers it. */
  ce_driver_flags flags;                /* CE_DRIVER_FLAG_* */
} ce_driver_descriptor;

/* The entry. Returns NULL when the driver cannot speak the host's ABI.
 * OWNERSHIP: see ce_driver_descriptor.
 * THREADING: called by the host once per load, before any hook, on the host's
 *   main thread; must not call back into the host. */
typedef const ce_driver_descriptor* (*ce_driver_entry_fn)(uint32_t host_abi_major,
                                                          uint32_t host_abi_minor);

/* clang-format on */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CITYEDGE_DRIVER_ABI_H_ */
