/*
 * Booking codes: 80 bits shown as 16 Crockford base32 symbols,
 * "XXXX-XXXX-XXXX-XXXX".
 *
 * A code seals a 40-bit payload, the person number (24 bits) and the
 * booking's generation (16 bits), with the SIV construction (deterministic
 * authenticated encryption, Rogaway and Shrimpton) over SipHash-2-4:
 *
 *     tag  = SipHash(k_mac, payload)  truncated to 40 bits
 *     ct   = payload XOR SipHash(k_enc, tag)  truncated to 40 bits
 *     code = ct || tag
 *
 * Opening recomputes the mask from the tag, recovers the payload and checks
 * the tag: a random or altered code passes with probability 2^-40.  The
 * payload is encrypted, so a code reveals neither the person nor how often
 * they booked, and codes of one person cannot be linked.  Both keys are
 * derived from code_key with libsodium's BLAKE2b key derivation.  Nothing
 * here is home-made cryptography: SipHash-2-4 is a PRF, SIV is a standard
 * mode; the code only truncates and XORs.
 *
 * No shared state is touched: sealing and opening are pure functions of the
 * keys, so codes are generated without any contended counter.
 */
#include "internal.h"

#include <sodium.h>
#include <string.h>

static const char ALPHABET[32] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
#define MASK40 ((UINT64_C(1) << 40) - 1u)

int
sb__code_keys_init(sb_code_keys *k, const uint8_t code_key[32])
{
    static const char ctx[crypto_kdf_CONTEXTBYTES] = {'s', 'b', 'c', 'o', 'd', 'e', 's', '1'};
    if (crypto_kdf_derive_from_key(k->mac, sizeof k->mac, 1, ctx, code_key) != 0)
        return -1;
    return crypto_kdf_derive_from_key(k->enc, sizeof k->enc, 2, ctx, code_key);
}

static uint64_t
prf40(const uint8_t key[16], uint64_t x)
{
    uint8_t in[5], out[crypto_shorthash_BYTES];
    for (int i = 0; i < 5; i++)
        in[i] = (uint8_t)(x >> (8 * i));
    crypto_shorthash(out, in, sizeof in, key);
    uint64_t h = 0;
    for (int i = 0; i < 5; i++)
        h |= (uint64_t)out[i] << (8 * i);
    return h;
}

void
sb__code_seal(const sb_code_keys *k, uint32_t person, uint32_t gen, char out[SB_CODE_SIZE])
{
    sb_assert(person < SB_MAX_PEOPLE && gen >= 1 && gen <= SB_MAX_BOOKINGS);
    uint64_t payload = (uint64_t)person | (uint64_t)gen << SB_PERSON_BITS;
    uint64_t tag = prf40(k->mac, payload);
    uint64_t ct = (payload ^ prf40(k->enc, tag)) & MASK40;
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i > 0 && i % 4 == 0)
            out[o++] = '-';
        uint64_t half = i < 8 ? ct : tag;
        out[o++] = ALPHABET[(half >> (35 - 5 * (i % 8))) & 31u];
    }
    out[o] = '\0';
    sb_assert(o == SB_CODE_SIZE - 1);
}

/* The value of one symbol, -1 for a character that is not one, -2 for a
 * separator. */
static int
symbol(unsigned char c)
{
    if (c == '-' || c == ' ')
        return -2;
    if (c >= 'a' && c <= 'z')
        c = (unsigned char)(c - 'a' + 'A');
    if (c == 'O')
        return 0;
    if (c == 'I' || c == 'L')
        return 1;
    const char *p = memchr(ALPHABET, c, sizeof ALPHABET);
    return p && c ? (int)(p - ALPHABET) : -1;
}

int
sb__code_open(const sb_code_keys *k, const char *text, uint32_t *person, uint32_t *gen)
{
    uint64_t half[2] = {0, 0};
    int n = 0;
    for (int i = 0;; i++) {
        if (i > SB_CODE_INPUT_MAX)
            return -1;
        unsigned char c = (unsigned char)text[i];
        if (c == '\0')
            break;
        int v = symbol(c);
        if (v == -2)
            continue;
        if (v < 0 || n == 16)
            return -1;
        half[n / 8] = half[n / 8] << 5 | (uint64_t)v;
        n++;
    }
    if (n != 16)
        return -1;
    uint64_t ct = half[0], tag = half[1];
    uint64_t payload = (ct ^ prf40(k->enc, tag)) & MASK40;
    if (sodium_memcmp(&(uint64_t){prf40(k->mac, payload)}, &tag, sizeof tag) != 0)
        return -1;
    *person = (uint32_t)(payload & (SB_MAX_PEOPLE - 1u));
    *gen = (uint32_t)(payload >> SB_PERSON_BITS);
    return 0;
}
