import table from './medication-products.json';

/**
 * EHRs order products (RxNorm SCD/SBD), not ingredients. This bundled map turns common product
 * codes into their ingredient so R-MED-1 and R-MON-3 can match them; medication text is the
 * fallback for anything not in the map.
 */
interface ProductRow {
  rxcui: string;
  display: string;
  /** Ingredient RxCUI, or the ingredient's name where no RxCUI was confirmed (magnesium salts). */
  ingredient: string;
}
interface IngredientRow {
  rxcui?: string | null;
  name: string;
}

export interface ProductIngredient {
  rxcui?: string;
  name: string;
  /** The product's name, for orders that carry only a code. */
  display: string;
}

const ingredientNames = new Map<string, string>(
  (table.ingredients as IngredientRow[]).filter((i) => i.rxcui).map((i) => [i.rxcui as string, i.name.toLowerCase()]),
);

const productToIngredient = new Map<string, ProductIngredient>();
for (const row of table.products as ProductRow[]) {
  const isCode = /^\d+$/.test(row.ingredient);
  const name = isCode ? ingredientNames.get(row.ingredient) : row.ingredient.toLowerCase();
  if (name) productToIngredient.set(row.rxcui, isCode ? { rxcui: row.ingredient, name, display: row.display } : { name, display: row.display });
}

export function ingredientOfProduct(rxcui: string): ProductIngredient | undefined {
  return productToIngredient.get(rxcui);
}
