// SPDX-License-Identifier: Apache-2.0
#include "pipelines/vision/named_points.hpp"

#include <sstream>

namespace cityedge::pipelines::vision {

bool ParseNamedPoints(const std::string& text, std::string* name, std::vector<cv::Point2f>* points,
                      std::string* error) {
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0) {
    *error = "expected 'name: x,y x,y ...', got '" + text + "'";
    return false;
  }
  *name = text.substr(0, colon);
  name->erase(name->find_last_not_of(' ') + 1);
  std::istringstream in(text.substr(colon + 1));
  std::string pair;
  points->clear();
  while (in >> pair) {
    float x = 0;
    float y = 0;
    char comma = 0;
    std::istringstream p(pair);
    if (!(p >> x >> comma >> y) || comma != ',' || !p.eof() || x < 0 || x > 1 || y < 0 || y > 1) {
      *error = "'" + *name + "': point '" + pair + "' is not x,y with both in 0..1";
      return false;
    }
    points->emplace_back(x, y);
  }
  error->clear();
  return true;
}

}  // namespace cityedge::pipelines::vision
