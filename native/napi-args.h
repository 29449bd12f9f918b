// Argument checks and errors shared by the addon's N-API methods (tun.cc).
#pragma once

#include <napi.h>

#include <string.h>

#include <string>

namespace portcullis {

/** Throws a JavaScript Error carrying the errno and the step that failed. */
inline void ThrowErrno(Napi::Env env, const char* step, int err) {
  Napi::Error e = Napi::Error::New(env, std::string(step) + ": " + strerror(err));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("step", Napi::String::New(env, step));
  e.ThrowAsJavaScriptException();
}

/** Whether `v` is a typed array of `type`. */
inline bool IsArrayOf(const Napi::Value& v, napi_typedarray_type type) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == type;
}

/**
 * Whether the first arguments are (buf: Uint8Array, offsets: Uint32Array, lengths: Uint32Array);
 * if not, throws a TypeError showing `usage`.
 */
inline bool BatchArrays(const Napi::CallbackInfo& info, const char* usage) {
  if (info.Length() >= 3 && IsArrayOf(info[0], napi_uint8_array) && IsArrayOf(info[1], napi_uint32_array) &&
      IsArrayOf(info[2], napi_uint32_array)) {
    return true;
  }
  Napi::TypeError::New(info.Env(), usage).ThrowAsJavaScriptException();
  return false;
}

}  // namespace portcullis
