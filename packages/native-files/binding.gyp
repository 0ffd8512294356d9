{
  # BLAKE3's C implementation (compression functions and their SSE2/SSE4.1/AVX2/AVX-512 kernels,
  # chosen at run time) comes from the npm package @c4312/blake3-native, which ships it; only
  # its sources are used here, its own addon is not built (allowScripts in the root package.json).
  "variables": {
    "blake3_c": "<!(node -p \"require('path').relative('.', require('path').join(require('path').dirname(require.resolve('@c4312/blake3-native/package.json')), 'c'))\")"
  },
  "targets": [
    {
      "target_name": "native_files",
      "sources": [
        "src/addon.c",
        "src/tree-hash.c",
        "src/stat-files.c",
        "<(blake3_c)/blake3.c",
        "<(blake3_c)/blake3_dispatch.c",
        "<(blake3_c)/blake3_portable.c"
      ],
      "include_dirs": ["<(blake3_c)"],
      "cflags_c": ["-std=c11", "-O3"],
      "conditions": [
        ["target_arch == 'x64' and OS != 'win'", {
          "sources": [
            "<(blake3_c)/blake3_sse2_x86-64_unix.S",
            "<(blake3_c)/blake3_sse41_x86-64_unix.S",
            "<(blake3_c)/blake3_avx2_x86-64_unix.S",
            "<(blake3_c)/blake3_avx512_x86-64_unix.S"
          ]
        }],
        ["target_arch != 'x64' or OS == 'win'", {
          "defines": ["BLAKE3_NO_SSE2", "BLAKE3_NO_SSE41", "BLAKE3_NO_AVX2", "BLAKE3_NO_AVX512"]
        }],
        ["target_arch == 'arm64'", {
          "sources": ["<(blake3_c)/blake3_neon.c"],
          "defines": ["BLAKE3_USE_NEON=1"]
        }]
      ]
    }
  ]
}
