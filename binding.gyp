# What `npm install` builds (node-gyp). The SIMD micro-kernels are separate static libraries so
# that each gets its own ISA flags while everything else stays baseline: the CPU is probed at
# run time (native/core/cpu.cc), never assumed at build time: no flag targets the build machine.
{
  "target_defaults": {
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
    # -fno-math-errno: nothing reads errno, and without it GCC keeps sqrt scalar (to set errno
    # on a negative argument), so loops with a sqrt (the optimizers) do not vectorize.
    "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fno-math-errno"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "xcode_settings": {
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "MACOSX_DEPLOYMENT_TARGET": "11.0"
    },
    "msvs_settings": {
      "VCCLCompilerTool": {"ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17"]}
    }
  },
  "targets": [
    {
      "target_name": "keel",
      "sources": [
        "native/addon.cc",
        "native/binding/args.cc",
        "native/binding/blas.cc",
        "native/binding/runtime.cc",
        "native/binding/storage.cc",
        "native/binding/tensor.cc",
        "native/binding/operands.cc",
        "native/binding/nn.cc",
        "native/core/aligned_alloc.cc",
        "native/core/cpu.cc",
        "native/core/storage.cc",
        "native/core/thread_pool.cc",
        "native/kernels/gemm/gemm.cc",
        "native/kernels/gemm/pack.cc",
        "native/kernels/gemm/f32_gemm_scalar.cc",
        "native/kernels/elementwise/elementwise.cc",
        "native/kernels/elementwise/elementwise_scalar.cc",
        "native/kernels/reduce/reduce.cc",
        "native/kernels/reduce/reduce_scalar.cc",
        "native/kernels/index/index.cc",
        "native/kernels/random/philox.cc",
        "native/kernels/conv/conv.cc",
        "native/kernels/conv/conv_direct_scalar.cc",
        "native/kernels/pool/pool.cc",
        "native/kernels/norm/batchnorm.cc",
        "native/kernels/optim/optim.cc",
        "native/kernels/rnn/lstm.cc",
        "native/kernels/rnn/lstm_cell_scalar.cc",
        "native/kernels/rnn/gru.cc",
        "native/kernels/rnn/gru_cell_scalar.cc"
      ],
      "conditions": [
        ["target_arch=='x64'", {
          "dependencies": ["keel_avx2", "keel_avx512"]
        }],
        ["OS=='linux'", {"libraries": ["-lpthread"]}]
      ]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "keel_avx2",
          "type": "static_library",
          "sources": [
            "native/kernels/gemm/f32_gemm_avx2.cc",
            "native/kernels/conv/conv_direct_avx2.cc",
            "native/kernels/elementwise/elementwise_avx2.cc",
            "native/kernels/reduce/reduce_avx2.cc",
            "native/kernels/rnn/lstm_cell_avx2.cc",
            "native/kernels/rnn/gru_cell_avx2.cc"
          ],
          "cflags_cc": ["-mavx2", "-mfma"],
          "xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["-mavx2", "-mfma"]},
          "msvs_settings": {"VCCLCompilerTool": {"AdditionalOptions": ["/arch:AVX2"]}}
        },
        {
          "target_name": "keel_avx512",
          "type": "static_library",
          "sources": [
            "native/kernels/gemm/f32_gemm_avx512.cc",
            "native/kernels/conv/conv_direct_avx512.cc",
            "native/kernels/conv/col2im_avx512.cc",
            "native/kernels/pool/pool_2x2_avx512.cc",
            "native/kernels/elementwise/elementwise_avx512.cc",
            "native/kernels/reduce/reduce_avx512.cc",
            "native/kernels/rnn/lstm_cell_avx512.cc",
            "native/kernels/rnn/gru_cell_avx512.cc"
          ],
          "cflags_cc": ["-mavx512f", "-mavx512dq", "-mavx512bw", "-mavx512vl", "-mfma"],
          "xcode_settings": {
            "OTHER_CPLUSPLUSFLAGS": ["-mavx512f", "-mavx512dq", "-mavx512bw", "-mavx512vl", "-mfma"]
          },
          "msvs_settings": {"VCCLCompilerTool": {"AdditionalOptions": ["/arch:AVX512"]}}
        }
      ]
    }]
  ]
}
