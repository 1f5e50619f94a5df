// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Testing
