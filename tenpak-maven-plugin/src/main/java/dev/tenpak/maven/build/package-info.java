/** What the Maven goals do, free of Maven types: find the models, compress them through the facade, keep the manifest, verify the output. */
package dev.tenpak.maven.build;
