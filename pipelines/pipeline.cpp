// SPDX-License-Identifier: Apache-2.0
#include "pipelines/pipeline.hpp"

namespace cityedge::pipelines {

const PipelineType* FindPipelineType(std::string_view name) {
  for (const PipelineType& type : BuiltinPipelineTypes()) {
    if (type.name == name) return &type;
  }
  return nullptr;
}

}  // namespace cityedge::pipelines
