// Everything a program needs: #include "silica/silica.h".
#pragma once

#include "silica/autograd.h"
#include "silica/device.h"
#include "silica/dtype.h"
#include "silica/error.h"
#include "silica/ops.h"
#include "silica/random.h"
#include "silica/tensor.h"
