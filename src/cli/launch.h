// tdcm launch parses its own arguments (the command it starts has options the
// launcher does not know), so main() calls it directly.
#pragma once

#include <string>
#include <vector>

namespace tdcm::cli {

// argv: what follows "launch". Returns the exit status.
int launch_main(const std::vector<std::string> &argv);

}  // namespace tdcm::cli
