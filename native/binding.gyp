# The TUN addon (tun.cc), built by node-gyp during `npm install` / `npm ci` (package.json
# "install": node-gyp-build, which compiles only when no loadable build is present) and loaded by
# src/io/tun.ts through node-gyp-build. N-API through node-addon-api, C++ exceptions off: errors
# are thrown as pending JavaScript exceptions and the batch calls return numbers. Also the
# benchmark's C anchor, tun-reflector (reflector.c), a plain executable.
{
  "targets": [
    {
      "target_name": "tun",
      "sources": ["tun.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    },
    {
      # The benchmark's C anchor (reflector.c): reads every packet and writes it back unchanged.
      "target_name": "tun-reflector",
      "type": "executable",
      "sources": ["reflector.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
