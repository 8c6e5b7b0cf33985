#!/usr/bin/env node
// The published entry point; the CLI itself is compiled to dist/ from src/cli/.
import "../dist/cli/main.js";
