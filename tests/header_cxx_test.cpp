// The public header must compile as C++ and link from C++.
#include <slotbook.h>

#include <cstdio>
#include <cstring>

int main()
{
    sb_options o;
    sb_options_init(&o);
    sb_engine *e = nullptr;
    if (sb_open(&o, &e) != SB_OK)
        return 1;
    sb_slot s{};
    s.location = 0;
    s.window = 0;
    s.day = o.first_day;
    bool ok = sb_location_open(e, 0) == SB_OK && sb_release(e, s, 1) == SB_OK;
    char code[SB_CODE_SIZE];
    ok = ok && sb_book(e, 111222333, s, code) == SB_OK && std::strlen(code) == 19;
    ok = ok && sb_verify(e, code, 111222333, nullptr) == SB_OK;
    sb_close(e);
    std::puts(ok ? "ok" : "failed");
    return ok ? 0 : 1;
}
