import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

const app = await NestFactory.create(AppModule);
// On SIGTERM/SIGINT Nest closes the application: Steadfast stops claiming, lets in-flight steps finish and
// checkpoint, and closes its storage; useProcessExit then exits with code 0 instead of re-raising the signal.
app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
console.log(`listening on ${await app.getUrl()}`);
