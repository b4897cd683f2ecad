/* Stored-block inflater: enough of DEFLATE for uncompressed blocks. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int tinyz_inflate_stored(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len) {
    size_t pos = 0, o = 0;
    while (pos + 5 <= in_len) {
        int final = in[pos] & 1;
        uint16_t len = (uint16_t)(in[pos + 1] | (in[pos + 2] << 8));
        uint16_t nlen = (uint16_t)(in[pos + 3] | (in[pos + 4] << 8));
        if ((uint16_t)~len != nlen) return -1;
        pos += 5;
        if (len > in_len - pos || len > out_cap - o) return -2; /* no overflow on huge lengths */
        memcpy(out + o, in + pos, len);
        pos += len;
        o += len;
        if (final) break;
    }
    *out_len = o;
    return 0;
}
