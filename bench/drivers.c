/* placeholder: the slotbook driver table (sb_driver_slotbook) */
#include "driver.h"
