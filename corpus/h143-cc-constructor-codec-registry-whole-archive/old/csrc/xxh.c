/* 32-bit xxHash, the parts the bindings use. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define P1 2654435761u
#define P2 2246822519u
#define P3 3266489917u
#define P4 668265263u
#define P5 374761393u

static uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

uint32_t xxh32(const void *data, size_t len, uint32_t seed) {
    const uint8_t *p = (const uint8_t *)data;
    const uint8_t *end = p + len;
    uint32_t h = seed + P5 + (uint32_t)len;
    while (p + 4 <= end) {
        uint32_t k;
        memcpy(&k, p, 4);
        h = rotl(h + k * P3, 17) * P4;
        p += 4;
    }
    while (p < end) h = rotl(h + (*p++) * P5, 11) * P1;
    h ^= h >> 15; h *= P2; h ^= h >> 13; h *= P3; h ^= h >> 16;
    return h;
}
