// Function multiversioning of the hot kernels. Plain C++17.
//
// The default build is portable (baseline x86-64, CMakeLists.txt). The few loops that gain from wider
// vectors are marked SNNAS_HOT: with GCC on x86-64 Linux, GCC compiles each of them three times, for
// x86-64-v4 (AVX-512), AVX2 and the baseline, and the dynamic loader binds the best clone that the
// running CPU supports (an ifunc, resolved once). Measured gain (benchmarks/RESULTS.md): the dense pass
// about 2x with AVX2 over the baseline (whose SSE2 lacks the blends and 64-bit compares its selects
// need), AVX-512 about 1.1x more; the stepped models' loop 1.3x. The clones differ only in instruction
// selection: -ffp-contract=off holds for every clone (no fused multiply-add, although x86-64-v4 has
// FMA), and vectorised adds, multiplies and compares round exactly as scalar ones, so every clone gives
// bit-identical results (tests/sim/test_portable.py). Elsewhere (another compiler or CPU, or SNNAS_NATIVE,
// which compiles everything for the building CPU already) SNNAS_HOT expands to nothing.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(SNNAS_NATIVE)
#define SNNAS_HOT __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#define SNNAS_HOT_CLONES 1
#else
#define SNNAS_HOT
#define SNNAS_HOT_CLONES 0
#endif
