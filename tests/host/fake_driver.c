// SPDX-License-Identifier: Apache-2.0
/* An external driver written in plain C, compiled several times with
 * different FAKE_* definitions into deliberately good and bad .so files. */
#include <stddef.h>
#include <stdint.h>

#include "cityedge/driver_abi.h"

#ifndef FAKE_NAME
#define FAKE_NAME "good"
#endif

struct ce_driver_instance {
  const ce_host_api* host;
  ce_host_context* ctx;
};

static struct ce_driver_instance g_instance;

static const char* const kModes[] = {"fast", "slow", NULL};
#ifdef FAKE_ABI_1_1
/* Built as against ABI 1.1: its setting entries end at `description`, and the
 * descriptor says minor 1. A 1.2 host must still load it. */
typedef struct {
  const char* key;
  ce_driver_setting_type type;
  uint32_t required;
  const char* default_text;
  uint32_t has_min;
  uint32_t has_max;
  double min;
  double max;
  const char* const* allowed;
  const char* unit;
  const char* description;
} fake_setting_spec;
#define FAKE_ABI_MINOR 1u
#define FAKE_SPEC_TAIL
#else
typedef ce_driver_setting_spec fake_setting_spec;
#define FAKE_ABI_MINOR CE_DRIVER_ABI_MINOR
#define FAKE_SPEC_TAIL , NULL, 0, 0
#endif
static const fake_setting_spec kSettings[] = {
    {"channel", CE_DRIVER_SETTING_STRING, 0, "level", 0, 0, 0, 0, NULL, NULL,
     "Channel name" FAKE_SPEC_TAIL},
    {"mode", CE_DRIVER_SETTING_ENUM, 0, "fast", 0, 0, 0, 0, kModes, NULL, "Pacing" FAKE_SPEC_TAIL},
    {"period", CE_DRIVER_SETTING_DURATION, 0, "10ms", 1, 0, 1, 0, NULL, "ms",
     "Reading period" FAKE_SPEC_TAIL},
};

static ce_driver_instance* OnCreate(const ce_host_api* host, ce_host_context* ctx,
                                    const ce_driver_instance_config* config, char* error,
                                    size_t error_size) {
  (void)config;
  (void)error;
  (void)error_size;
  g_instance.host = host;
  g_instance.ctx = ctx;
  return &g_instance;
}

static ce_driver_result OnStart(ce_driver_instance* self, char* error, size_t error_size) {
  (void)error;
  (void)error_size;
  double value = 0;
  self->host->set_expected_period(self->ctx, 10);
  while (!self->host->sleep_ms(self->ctx, 10)) {
    ce_driver_reading reading = {sizeof(reading),        "level", value, "m",
                                 CE_DRIVER_QUALITY_GOOD, 0,       0};
    self->host->emit_reading(self->ctx, &reading);
    value += 1;
  }
  return CE_DRIVER_OK;
}

static void OnStop(ce_driver_instance* self) { (void)self; }
static void OnDestroy(ce_driver_instance* self) { (void)self; }

static const ce_driver_descriptor kDescriptor = {
#ifdef FAKE_SMALL_STRUCT
    offsetof(ce_driver_descriptor, on_create),
#else
    sizeof(ce_driver_descriptor),
#endif
#ifdef FAKE_WRONG_MAJOR
    CE_DRIVER_ABI_MAJOR + 1,
#else
    CE_DRIVER_ABI_MAJOR,
#endif
    FAKE_ABI_MINOR,
    FAKE_NAME,
    "0.0.1",
    "Test driver",
    (const ce_driver_setting_spec*)kSettings,
    sizeof(kSettings) / sizeof(kSettings[0]),
    sizeof(fake_setting_spec),
    OnCreate,
    OnStart,
    OnStop,
    OnDestroy,
    NULL,
    0u /* flags: a reading driver */};

#ifdef FAKE_NO_ENTRY
#define FAKE_ENTRY_NAME ce_driver_entry_misspelled
#else
#define FAKE_ENTRY_NAME ce_driver_entry
#endif

__attribute__((visibility("default"))) const ce_driver_descriptor* FAKE_ENTRY_NAME(
    uint32_t host_major, uint32_t host_minor) {
  (void)host_minor;
#ifdef FAKE_REFUSES
  /* Speaks only a future major, so every real host is refused. */
  return host_major == CE_DRIVER_ABI_MAJOR + 1 ? &kDescriptor : NULL;
#else
  /* A wrong-major build still answers, to show the host's own check. */
#ifndef FAKE_WRONG_MAJOR
  if (host_major != CE_DRIVER_ABI_MAJOR) return NULL;
#endif
  (void)host_major;
  return &kDescriptor;
#endif
}
