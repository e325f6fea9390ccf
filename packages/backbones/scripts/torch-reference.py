"""Reference logits for packages/backbones/src/models/torch-reference.test.ts.

Builds torchvision-layout ResNets (the same code as torchvision.models.resnet, with small widths) in
PyTorch, fills every parameter and buffer with a deterministic formula of its name and PyTorch index,
runs a deterministic input in eval mode in float64 and prints the logits. The test fills our backbone
with the same formula (transposing to TensorFlow layouts) and must reproduce them.

Run: /usr/bin/python3 packages/backbones/scripts/torch-reference.py   (needs Debian's python3-torch)
"""
import math

import torch
import torch.nn as nn


def seed_of(name):
    return sum(ord(ch) * (i + 1) for i, ch in enumerate(name)) % 997


def fill(name, shape):
    n = math.prod(shape)
    k = seed_of(name)
    t = torch.arange(n, dtype=torch.float64)
    s = torch.sin(t * 0.37 + k * 0.013)
    if name.endswith('running_var'):
        v = 1 + 0.5 * s.abs()
    elif name.endswith('running_mean') or name.endswith('bias'):
        v = 0.1 * s
    elif len(shape) == 1:  # BatchNorm weight
        v = 1 + 0.2 * s
    else:  # conv [out, in, kh, kw] or linear [out, in]
        fan_in = math.prod(shape[1:])
        v = s / math.sqrt(fan_in)
    return v.reshape(shape)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU()
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    def __init__(self, block, layers, widths, stem, in_ch, classes):
        super().__init__()
        self.inplanes = widths[0]
        if stem == 'imagenet':
            self.conv1 = nn.Conv2d(in_ch, widths[0], 7, 2, 3, bias=False)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
        else:
            self.conv1 = nn.Conv2d(in_ch, widths[0], 3, 1, 1, bias=False)
            self.maxpool = nn.Identity()
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU()
        for i, (planes, blocks) in enumerate(zip(widths, layers)):
            setattr(self, f'layer{i + 1}', self._make_layer(block, planes, blocks, 1 if i == 0 else 2))
        self.n_layers = len(layers)
        self.fc = nn.Linear(self.inplanes, classes)

    def _make_layer(self, block, planes, blocks, stride):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride, bias=False),
                nn.BatchNorm2d(planes * block.expansion),
            )
        mods = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        mods += [block(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*mods)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for i in range(self.n_layers):
            x = getattr(self, f'layer{i + 1}')(x)
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


CASES = [
    # name, block, layers, widths, stem, (n, h, w, c)
    ('resnet18-tiny', BasicBlock, [1, 1, 1, 1], [2, 4, 4, 4], 'imagenet', (2, 37, 37, 3)),
    ('resnet50-tiny', Bottleneck, [1, 2, 1, 1], [2, 2, 4, 4], 'imagenet', (2, 32, 32, 3)),
    ('small-resnet-tiny', BasicBlock, [2, 1, 1], [4, 8, 8], 'cifar', (2, 13, 13, 1)),
]

PROBED = ['conv1.weight', 'bn1.weight', 'bn1.bias', 'layer1.0.conv1.weight', 'layer2.0.downsample.0.weight',
          'layer2.0.downsample.1.weight', 'fc.weight', 'fc.bias']


def build(block, layers, widths, stem, c, n, h, w):
    model = ResNet(block, layers, widths, stem, c, 3).double()
    with torch.no_grad():
        for key, tensor in model.state_dict().items():
            if key.endswith('num_batches_tracked'):
                continue
            tensor.copy_(fill(key, tuple(tensor.shape)))
    t = torch.arange(n * h * w * c, dtype=torch.float64)
    x = torch.sin(t * 0.11).reshape(n, h, w, c).permute(0, 3, 1, 2)  # NHWC formula, NCHW for torch
    return model, x


def proj(name, shape):
    """A fixed direction to summarise a gradient by one number: sum(grad * proj)."""
    k = seed_of(name + '#proj')
    return torch.cos(torch.arange(math.prod(shape), dtype=torch.float64) * 0.53 + k * 0.017).reshape(shape)


print('# inference logits (eval mode)')
for name, block, layers, widths, stem, (n, h, w, c) in CASES:
    model, x = build(block, layers, widths, stem, c, n, h, w)
    with torch.no_grad():
        logits = model.eval()(x)
    print(name, [round(v, 7) for v in logits.flatten().tolist()])

print('# training mode: mean cross-entropy loss for labels [0, 2], then sum(grad * proj) per probed')
print('# parameter, then sum(buffer * proj) for bn1 moving statistics after the forward (momentum 0.1)')
for name, block, layers, widths, stem, (n, h, w, c) in CASES:
    model, x = build(block, layers, widths, stem, c, n, h, w)
    model.train()
    logits = model(x)
    loss = nn.functional.cross_entropy(logits, torch.tensor([0, 2]))
    loss.backward()
    params = dict(model.named_parameters())
    buffers = dict(model.named_buffers())
    grads = [round(float((params[p].grad * proj(p, tuple(params[p].shape))).sum()), 9) for p in PROBED]
    stats = [round(float((buffers[b] * proj(b, tuple(buffers[b].shape))).sum()), 9)
             for b in ['bn1.running_mean', 'bn1.running_var']]
    print(name, round(float(loss), 9), grads, stats)
