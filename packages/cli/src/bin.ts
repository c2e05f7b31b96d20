#!/usr/bin/env node
import { main } from './main.js';

// stdout carries only results, so `--json` output can be parsed. Libraries that log with console.log (knex
// warns "Acquire connection error" that way) write to stderr instead; the command itself never uses console.
console.log = console.info = console.debug = console.error;

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
