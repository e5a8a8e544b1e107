/* placeholder */
#include "hist.h"
