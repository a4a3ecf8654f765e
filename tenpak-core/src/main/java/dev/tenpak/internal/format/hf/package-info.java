/**
 * Hugging Face checkpoint folders: single-file or sharded safetensors plus the config, tokenizer and generation files an artifact carries.
 *
 * <p>May import: {@code internal.format.safetensors}, {@code internal.format.artifact} and the layers below. docs/ARCHITECTURE.md draws the layers; {@code ArchitectureTest} checks them.
 */
package dev.tenpak.internal.format.hf;
