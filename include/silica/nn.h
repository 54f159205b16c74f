// Layers, losses and initializers: #include "silica/nn.h".
#pragma once

#include "silica/nn/activation.h"
#include "silica/nn/container.h"
#include "silica/nn/conv.h"
#include "silica/nn/dropout.h"
#include "silica/nn/init.h"
#include "silica/nn/linear.h"
#include "silica/nn/loss.h"
#include "silica/nn/module.h"
#include "silica/nn/normalization.h"
#include "silica/nn/pooling.h"
#include "silica/nn/size.h"
