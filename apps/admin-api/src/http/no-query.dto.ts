/** The query of an endpoint that takes no parameters: with the global pipe, any parameter is a 400. */
export class NoQueryDto {}
