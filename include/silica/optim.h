// Optimizers, learning-rate schedules and gradient clipping: #include "silica/optim.h".
#pragma once

#include "silica/optim/adam.h"
#include "silica/optim/clip_grad.h"
#include "silica/optim/lr_scheduler.h"
#include "silica/optim/optimizer.h"
#include "silica/optim/sgd.h"
