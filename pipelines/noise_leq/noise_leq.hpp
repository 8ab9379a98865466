// SPDX-License-Identifier: Apache-2.0
// noise_leq: Leq, Lmax, L10 and L90 of A-weighted sound levels per tumbling
// window. Settings: README.md.
#pragma once

#include <vector>

#include "pipelines/pipeline.hpp"

namespace cityedge::pipelines::noise_leq {

[[nodiscard]] PipelineType Type();

struct Statistics {
  double leq = 0;
  double lmax = 0;
  double l10 = 0;
  double l90 = 0;
};

// Statistics of equally spaced levels (dB), not empty. L_N is the level
// exceeded by N % of the samples: the nearest-rank (100 - N)th percentile.
[[nodiscard]] Statistics Compute(std::vector<double> levels);

}  // namespace cityedge::pipelines::noise_leq
