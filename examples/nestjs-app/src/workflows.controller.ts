import { BadRequestException, Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { Runtime, ValidationError, WorkflowNotFoundError } from '@steadfast/core';
import { InjectRuntime } from '@steadfast/nestjs';

@Controller('workflows')
export class WorkflowsController {
  constructor(@InjectRuntime() private readonly runtime: Runtime) {}

  /** A workflow's status, and its output or error once it has finished. */
  @Get(':id')
  async get(@Param('id') id: string) {
    try {
      const info = await (await this.runtime.getWorkflow(id)).info();
      return {
        id: info.id,
        name: info.name,
        status: info.status,
        output: info.output,
        error: info.error?.message,
        createdAt: info.createdAt,
        finishedAt: info.finishedAt,
      };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new NotFoundException(error.message);
      if (error instanceof ValidationError) throw new BadRequestException(error.message);
      throw error;
    }
  }
}
