// The objects behind the C API's opaque handles (include/njc/njc.h), shared by its source files.
#pragma once

#include <memory>
#include <new>
#include <string>

#include "api/engine.h"
#include "njc/njc.h"

struct njc_error {
  njc_status status;
  std::string message;
};

struct njc_model {
  std::shared_ptr<const njc::api::Engine> engine;
};

struct njc_instance {
  std::unique_ptr<njc::api::Instance> impl;
};

namespace njc::api {

// A new error object, or null when even that cannot be allocated.
inline njc_error* make_error(njc_status status, std::string message) {
  return new (std::nothrow) njc_error{status, std::move(message)};
}

}  // namespace njc::api
