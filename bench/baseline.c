/* placeholder: the mutex baseline (sb_driver_mutex) */
#include "driver.h"
