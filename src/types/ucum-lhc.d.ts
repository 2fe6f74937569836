// @lhncbc/ucum-lhc ships no type declarations; this covers the one call the service makes.
declare module '@lhncbc/ucum-lhc' {
  interface ConversionResult {
    status: 'succeeded' | 'failed' | 'error';
    toVal: number | null;
    msg: string[];
  }
  interface UcumLhcUtils {
    convertUnitTo(
      fromUnitCode: string,
      fromVal: number,
      toUnitCode: string,
      options?: { molecularWeight?: number; charge?: number },
    ): ConversionResult;
  }
  export const UcumLhcUtils: { getInstance(): UcumLhcUtils };
}
