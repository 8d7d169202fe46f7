//! Checks a live JSON answer against the API document: every field sent is declared (an undeclared
//! field means the document drifted from the type), every required field is there, and every value
//! has a declared type. `$ref`, `allOf`, `anyOf`, `oneOf` and `not` are followed; a map
//! (`additionalProperties`) takes any key.

use serde_json::Value;

pub struct Doc<'a>(pub &'a Value);

impl<'a> Doc<'a> {
    /// The schema of `status` of `method path` for JSON, if the document gives one.
    pub fn response(&self, method: &str, path: &str, status: u16) -> Option<&'a Value> {
        let path = path.replace("{*path}", "{path}");
        let method = method.to_lowercase();
        let schema = &self.0["paths"][path.as_str()][method.as_str()]["responses"][status.to_string().as_str()]["content"]
            ["application/json"]["schema"];
        (!schema.is_null()).then_some(schema)
    }

    fn resolve(&self, schema: &'a Value) -> &'a Value {
        match schema["$ref"].as_str() {
            Some(r) => self.resolve(&self.0["components"]["schemas"][r.rsplit('/').next().unwrap_or(r)]),
            None => schema,
        }
    }

    /// Problems of `value` against `schema`, each with where it is.
    pub fn problems(&self, schema: &'a Value, value: &Value, at: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.walk(schema, value, at, true, &mut out);
        out
    }

    /// Whether `value` fits `schema`, as JSON Schema has it (fields beyond those declared allowed):
    /// used to pick among `oneOf`/`anyOf` options, whose declared fields then count for the object.
    fn fits(&self, schema: &'a Value, value: &Value) -> bool {
        let mut out = Vec::new();
        self.walk(schema, value, "", false, &mut out);
        out.is_empty()
    }

    /// `strict`: a field that no part of the object's schema declares is a problem.
    fn walk(&self, schema: &'a Value, value: &Value, at: &str, strict: bool, out: &mut Vec<String>) {
        let schema = self.resolve(schema);
        if let Some(not) = schema.get("not") {
            if self.fits(not, value) {
                out.push(format!("{at}: matches what the document excludes ({not})"));
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(options) = schema[key].as_array() {
                if !options.iter().any(|o| self.fits(o, value)) {
                    out.push(format!("{at}: fits none of the {key} options"));
                }
            }
        }
        if !type_fits(&schema["type"], value) {
            out.push(format!("{at}: {value} is not of type {}", schema["type"]));
            return;
        }
        if let Some(allowed) = schema["enum"].as_array() {
            if !allowed.contains(value) {
                out.push(format!("{at}: {value} is not one of {allowed:?}"));
            }
        }
        match value {
            Value::Object(fields) => self.walk_object(schema, fields, at, strict, out),
            Value::Array(items) => {
                if let Some(item) = schema.get("items") {
                    for (i, v) in items.iter().enumerate() {
                        self.walk(item, v, &format!("{at}[{i}]"), strict, out);
                    }
                }
            }
            _ => {}
        }
    }

    fn walk_object(&self, schema: &'a Value, fields: &serde_json::Map<String, Value>, at: &str, strict: bool, out: &mut Vec<String>) {
        let parts = self.parts(schema, fields);
        // A schema that declares no field at all is a free-form object.
        let free = parts.iter().all(|p| p.get("properties").is_none() && p.get("additionalProperties").is_none());
        for part in &parts {
            for required in part["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                if !fields.contains_key(required) {
                    out.push(format!("{at}: required field `{required}` is missing"));
                }
            }
        }
        for (name, v) in fields {
            let declared = parts.iter().find_map(|p| p["properties"].get(name));
            let map = parts.iter().find_map(|p| p.get("additionalProperties").filter(|a| a.is_object()));
            match (declared, map) {
                (Some(s), _) | (None, Some(s)) => self.walk(s, v, &format!("{at}.{name}"), strict, out),
                (None, None) if strict && !free => out.push(format!("{at}: field `{name}` is sent but not in the document")),
                (None, None) => {}
            }
        }
    }

    /// The object schemas that describe this object: the schema itself, its `allOf` parts, and the
    /// `oneOf`/`anyOf` options the object fits, through `$ref`s.
    fn parts(&self, schema: &'a Value, fields: &serde_json::Map<String, Value>) -> Vec<&'a Value> {
        let schema = self.resolve(schema);
        let mut out = vec![schema];
        for part in schema["allOf"].as_array().into_iter().flatten() {
            out.extend(self.parts(part, fields));
        }
        let object = Value::Object(fields.clone());
        for key in ["oneOf", "anyOf"] {
            for option in schema[key].as_array().into_iter().flatten() {
                if self.fits(option, &object) {
                    out.extend(self.parts(option, fields));
                    break;
                }
            }
        }
        out
    }
}

fn type_fits(t: &Value, value: &Value) -> bool {
    let one = |name: &str| match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    };
    match t {
        Value::String(name) => one(name),
        Value::Array(names) => names.iter().filter_map(Value::as_str).any(one),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({ "components": { "schemas": {
            "Thing": { "type": "object", "required": ["id"], "properties": {
                "id": { "type": "string" },
                "score": { "type": ["number", "null"] },
                "metrics": { "type": "object", "additionalProperties": { "type": "number" } }
            } }
        } } })
    }

    #[test]
    fn an_undeclared_field_a_missing_one_and_a_wrong_type_are_problems() {
        let d = doc();
        let doc = Doc(&d);
        let schema = json!({ "$ref": "#/components/schemas/Thing" });
        assert!(doc.problems(&schema, &json!({ "id": "a", "score": null, "metrics": { "acc": 0.9 } }), "").is_empty());
        let p = doc.problems(&schema, &json!({ "id": "a", "extra": 1 }), "");
        assert!(p.iter().any(|p| p.contains("`extra` is sent but not in the document")), "{p:?}");
        let p = doc.problems(&schema, &json!({ "score": 1.0 }), "");
        assert!(p.iter().any(|p| p.contains("`id` is missing")), "{p:?}");
        let p = doc.problems(&schema, &json!({ "id": 3 }), "");
        assert!(p.iter().any(|p| p.contains("not of type")), "{p:?}");
    }
}
