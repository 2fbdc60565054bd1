#!/usr/bin/env python3
"""Writes test/fixtures/models/<name>.json: the state_dict keys (in order) with shapes, and the
parameter count, of reference models, for test/models/zoo.test.ts.

torchvision models (source "torchvision"): alexnet, vgg11, vgg11_bn, vgg16, vgg16_bn,
googlenet (aux_logits False and True), resnet18, resnet34, built with torchvision itself.
keel-only models (source "torch.nn"): mlp, lenet5, resnet20 (option B) re-implemented here in
plain torch.nn, since torchvision has no such model.

Run with Debian's python3 (torch 1.13 + python3-torchvision 0.14):
  /usr/bin/python3 scripts/gen_model_keys.py
"""
import json
import os

import torch
import torch.nn as nn
import torchvision

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'models')


def dump(name, model, source, **extra):
    sd = model.state_dict()
    data = {
        'model': name,
        'source': source,
        'torch': torch.__version__,
        'torchvision': torchvision.__version__ if source == 'torchvision' else None,
        'numParameters': sum(p.numel() for p in model.parameters()),
        'keys': [[k, list(v.shape)] for k, v in sd.items()],
        **extra,
    }
    with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
        json.dump(data, f, separators=(',', ':'))
        f.write('\n')
    print(name, data['numParameters'], len(sd))


class BasicBlock(nn.Module):
    def __init__(self, inp, planes, stride, downsample):
        super().__init__()
        self.conv1 = nn.Conv2d(inp, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample


class ResNet20B(nn.Module):
    """CIFAR ResNet-20 with option-B (projection) shortcuts, keel's resnet20({shortcut: 'B'})."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        inp = 16
        for i, (planes, stride) in enumerate([(16, 1), (32, 2), (64, 2)]):
            blocks = []
            for j in range(3):
                s = stride if j == 0 else 1
                ds = None
                if s != 1 or inp != planes:
                    ds = nn.Sequential(nn.Conv2d(inp, planes, 1, s, bias=False), nn.BatchNorm2d(planes))
                blocks.append(BasicBlock(inp, planes, s, ds))
                inp = planes
            setattr(self, f'layer{i + 1}', nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, num_classes)


class ResNet20A(ResNet20B):
    """Option A: no downsample parameters (the shortcut is a parameter-free module)."""

    def __init__(self, num_classes=10):
        super().__init__(num_classes)
        for layer in (self.layer2, self.layer3):
            layer[0].downsample = nn.Identity()


class LeNet5(nn.Module):
    def __init__(self, num_classes=10, in_channels=1):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, num_classes))


def main():
    os.makedirs(OUT, exist_ok=True)
    m = torchvision.models
    tv = 'torchvision'
    dump('alexnet', m.alexnet(), tv)
    dump('vgg11', m.vgg11(), tv)
    dump('vgg11_bn', m.vgg11_bn(), tv)
    dump('vgg16', m.vgg16(), tv)
    dump('vgg16_bn', m.vgg16_bn(), tv)
    dump('googlenet', m.googlenet(aux_logits=False, init_weights=False), tv)
    dump('googlenet_aux', m.googlenet(aux_logits=True, init_weights=False), tv)
    dump('resnet18', m.resnet18(), tv)
    dump('resnet34', m.resnet34(), tv)
    dump('resnet18_10', m.resnet18(num_classes=10), tv)
    dump('mlp', nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10)), 'torch.nn')
    dump('lenet5', LeNet5(), 'torch.nn')
    dump('resnet20', ResNet20A(), 'torch.nn', shortcut='A')
    dump('resnet20_b', ResNet20B(), 'torch.nn', shortcut='B')


if __name__ == '__main__':
    main()
