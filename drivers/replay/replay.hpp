// SPDX-License-Identifier: Apache-2.0
// replay: plays readings recorded in a CSV or JSONL file, paced by the file's
// timestamps (scaled by `rate`) or as fast as possible, optionally looping.
// The demo and test driver. File format: README.md.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <span>
#include <string>

#include "cityedge/driver.hpp"
#include "record_parser.hpp"

namespace cityedge::drivers::replay {

class ReplayDriver final : public sdk::Driver {
 public:
  static constexpr const char* kName = "replay";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "Plays readings recorded in a CSV or JSONL file, in real time or as fast as possible";
  static constexpr bool kSupportsReadNow = true;

  static std::span<const ce_driver_setting_spec> Schema();
  static sdk::Result<std::unique_ptr<ReplayDriver>> Create(const sdk::Settings& settings,
                                                           sdk::Host host);

  enum class Format { kCsv, kJsonl };
  ReplayDriver(sdk::Host host, std::string path, Format format, double rate, bool loop,
               bool file_time);

  sdk::Status Start() override;
  sdk::Status Run() override;
  // Asks the playing loop to emit the latest value of every channel again,
  // stamped now, before its next record.
  sdk::Status ReadNow() override;

 private:
  struct Pass {
    std::uint64_t emitted = 0;
    std::uint64_t malformed = 0;
    std::int64_t last_ns = 0;  // latest record time of the pass
    std::int64_t step_ns = 0;  // smallest forward step between records
  };
  static void NoteStep(Pass& pass, std::int64_t time_ns);
  // Plays the file once from the start. Sets *stopped when stop was asked.
  sdk::Result<Pass> PlayOnce(bool* stopped);
  // Parses one line; logs and counts malformed ones.
  [[nodiscard]] bool ParseLine(const std::string& line, std::uint64_t line_no, int* csv_columns,
                               Record* record, Pass* pass) const;
  // Sleeps until the record's due time; false when stop was asked.
  [[nodiscard]] bool WaitUntilDue(std::int64_t record_ns, std::int64_t first_ns,
                                  std::int64_t start_mono_ns);

  const std::string path_;
  const Format format_;
  const double rate_;  // 0: as fast as possible
  const bool loop_;
  const bool file_time_;            // capture time from the file, not the clock
  std::int64_t loop_shift_ns_ = 0;  // added to file times on later passes
  std::ifstream file_;
  std::uint64_t passes_ = 0;  // completed passes over the file
  sdk::ReadRequest read_request_;
  std::map<std::string, Record> latest_;  // by channel; the instance thread only
  void EmitLatest();
};

}  // namespace cityedge::drivers::replay
