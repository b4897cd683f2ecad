/* Length of the common prefix of two buffers, 16 bytes at a time with SSE2. */
#include <emmintrin.h>
#include <stdint.h>

int fastlz_match_len_sse2(const uint8_t *a, const uint8_t *b, int limit) {
    int n = 0;
    while (n + 16 <= limit) {
        __m128i x = _mm_loadu_si128((const __m128i *)(a + n));
        __m128i y = _mm_loadu_si128((const __m128i *)(b + n));
        int mask = _mm_movemask_epi8(_mm_cmpeq_epi8(x, y));
        if (mask != 0xffff) return n + __builtin_ctz(~mask & 0xffff);
        n += 16;
    }
    while (n < limit && a[n] == b[n]) n++;
    return n;
}
