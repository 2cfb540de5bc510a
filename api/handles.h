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

// Runs body, turning an escaped exception into a status: a C caller never sees one.
template <class Body>
njc_status guarded(Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return NJC_ERROR_OUT_OF_MEMORY;
  } catch (...) {
    return NJC_ERROR_INTERNAL;
  }
}

// A new error object, or null when even that cannot be allocated.
inline njc_error* make_error(njc_status status, std::string message) {
  return new (std::nothrow) njc_error{status, std::move(message)};
}

}  // namespace njc::api
